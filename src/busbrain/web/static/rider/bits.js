// Small pieces the views share: line badges, links, the star button, a view's lifecycle.

import { h } from '../dom.js';
import { routeOf } from './api.js';
import { t } from './text.js';

export { h };

// A line's badge in its own colour ("1路").
export function lineBadge(routeId, name) {
  const route = routeOf(routeId);
  return h(
    'span',
    {
      className: 'badge',
      style: route ? { backgroundColor: route.color, color: route.text_color } : undefined,
    },
    name,
  );
}

export function stopHref(id) {
  return `#/stop/${encodeURIComponent(id)}`;
}

export function lineHref(routeId, direction, stopId) {
  const q = new URLSearchParams();
  if (direction !== undefined && direction !== null) q.set('dir', String(direction));
  if (stopId) q.set('stop', stopId);
  const query = q.toString();
  return `#/line/${encodeURIComponent(routeId)}${query ? `?${query}` : ''}`;
}

export function starButton(isOn, onToggle) {
  const button = h('button', { type: 'button', className: 'star' });
  const paint = () => {
    const on = isOn();
    button.textContent = on ? '★' : '☆';
    button.setAttribute('aria-pressed', String(on));
    button.setAttribute('aria-label', on ? t('unfavourite') : t('favourite'));
  };
  button.addEventListener('click', () => {
    onToggle();
    paint();
  });
  paint();
  return button;
}

// A view's timers, torn down together when the rider leaves the view.
export function lifecycle() {
  const timers = [];
  let alive = true;
  return {
    every(seconds, fn) {
      timers.push(window.setInterval(fn, seconds * 1000));
    },
    get alive() {
      return alive;
    },
    stop() {
      alive = false;
      for (const id of timers) window.clearInterval(id);
    },
  };
}

export function markReady() {
  document.body.dataset.viewReady = String(Number(document.body.dataset.viewReady || 0) + 1);
}

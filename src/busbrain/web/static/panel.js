// The side panel: network summary, route filter and route list.

import { h, routeChip } from './dom.js';
import { formatDateTime, formatNumber, t } from './i18n.js';

export function renderSummary(element, summary) {
  const stat = ([before, n, after]) =>
    h('span', { className: 'stat' },
      before ? `${before} ` : '', h('b', {}, formatNumber(n)), after ? ` ${after}` : '');
  const meta = [];
  if (summary.source) meta.push(`${t('source')}${t('colon')}${summary.source}`);
  if (summary.imported_at) meta.push(`${t('importedAt')} ${formatDateTime(summary.imported_at)}`);
  element.replaceChildren(
    h('div', { className: 'stats' },
      stat(t('statRoutes', summary.routes)),
      stat(t('statStops', summary.stops)),
      stat(t('statPatterns', summary.patterns)),
      stat(t('statTrips', summary.trips))),
    meta.length ? h('div', { className: 'summary-meta' }, meta.join(' · ')) : null,
  );
}

export function createRouteList({ list, filter, empty, showAll }, routes, { onSelect }) {
  let selected = null;
  const items = new Map();

  function render() {
    items.clear();
    list.replaceChildren(
      ...routes.map((route) => {
        const item = h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              className: 'route-item',
              dataset: { routeId: route.route_id },
              onClick: () => onSelect(selected === route.route_id ? null : route.route_id),
            },
            routeChip(route),
            h('span', { className: 'route-text' },
              h('span', { className: 'route-name' }, route.long_name || route.headsigns.join(' ⇄ ')),
              h('span', { className: 'route-meta' }, t('patternCount', route.pattern_count))),
          ),
        );
        items.set(route.route_id, item);
        return item;
      }),
    );
    applyFilter();
    markSelected(selected);
  }

  function applyFilter() {
    const q = filter.value.trim().toLowerCase();
    let shown = 0;
    for (const route of routes) {
      const text = [route.short_name, route.long_name, route.route_id, ...route.headsigns]
        .filter(Boolean).join(' ').toLowerCase();
      const visible = !q || text.includes(q);
      items.get(route.route_id).hidden = !visible;
      if (visible) shown += 1;
    }
    empty.hidden = shown > 0 || routes.length === 0;
  }

  function markSelected(routeId) {
    selected = routeId;
    for (const [id, item] of items) {
      const button = item.firstElementChild;
      button.classList.toggle('selected', id === routeId);
      button.setAttribute('aria-pressed', String(id === routeId));
    }
    showAll.hidden = routeId === null;
    if (routeId !== null) items.get(routeId)?.scrollIntoView({ block: 'nearest' });
  }

  filter.addEventListener('input', applyFilter);
  showAll.addEventListener('click', () => onSelect(null));
  render();
  return { render, markSelected };
}

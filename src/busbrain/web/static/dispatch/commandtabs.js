// 调度指挥's three views as tabs: 线路模拟图 (the line strip, command.js's own page), 全部
// 车辆地图 (fleetmap.js) and 运行图 (marey.js), with the live push's 实时/轮询 badge beside
// them. The strip's elements stay where command.js made them, moved into the first panel;
// the other views are mounted when their tab is chosen and unmounted when left (their
// sockets and timers stop). The view chosen is kept in the address (#/command?view=fleet)
// without reloading the page.

import { h } from './bits.js';
import { fleetMapView } from './fleetmap.js';
import { pushIndicator } from './livepush.js';
import { mareyView } from './marey.js';
import { translator } from '../lang.js';

const t = translator({
  zh: { strip: '线路模拟图', fleet: '全部车辆地图', marey: '运行图', views: '视图' },
  en: { strip: 'Line strip', fleet: 'All buses map', marey: 'Time-space diagram', views: 'Views' },
});

const VIEWS = ['strip', 'fleet', 'marey'];
const MAKERS = { fleet: fleetMapView, marey: mareyView };

function hashParams() {
  return new URLSearchParams(window.location.hash.split('?')[1] || '');
}

// Wraps what command.js put in `el` (after its heading) into the strip's panel and adds
// the tab bar; `currentLine()` is the line the strip shows (the other views start there).
export function commandTabs(el, currentLine) {
  const heading = el.querySelector('h2');
  const stripPanel = h('div', { className: 'fleet-panel', id: 'command-view-strip', role: 'tabpanel' });
  stripPanel.append(...[...el.children].filter((child) => child !== heading));
  const otherPanel = h('div', { className: 'fleet-panel', id: 'command-view-other', role: 'tabpanel', hidden: true });
  const indicator = pushIndicator();
  const buttons = VIEWS.map((name) => h(
    'button',
    {
      type: 'button', role: 'tab', className: 'fleet-tab', id: `command-tab-${name}`,
      dataset: { view: name }, onclick: () => show(name), onkeydown: (event) => arrows(event, name),
    },
    t(name),
  ));
  const bar = h('div', { className: 'fleet-tabs', role: 'tablist', 'aria-label': t('views') }, buttons, indicator.el);
  if (heading) heading.after(bar, stripPanel, otherPanel);
  else el.prepend(bar, stripPanel, otherPanel);
  let current = null;
  let mounted = null;

  function arrows(event, name) {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    const next = VIEWS[(VIEWS.indexOf(name) + step + VIEWS.length) % VIEWS.length];
    show(next);
    buttons[VIEWS.indexOf(next)].focus();
  }

  function show(name) {
    if (name === current) return;
    current = name;
    if (mounted) mounted.unmount();
    mounted = null;
    buttons.forEach((button, k) => {
      const on = VIEWS[k] === name;
      button.setAttribute('aria-selected', String(on));
      button.tabIndex = on ? 0 : -1;
    });
    el.dataset.commandView = name;
    stripPanel.hidden = name !== 'strip';
    otherPanel.hidden = name === 'strip';
    otherPanel.setAttribute('aria-labelledby', `command-tab-${name}`);
    if (name !== 'strip') {
      const host = h('div', { className: `fleet-view ${name}` });
      otherPanel.replaceChildren(host);
      mounted = MAKERS[name](host, { routeId: currentLine() });
    } else {
      otherPanel.replaceChildren();
    }
    const params = hashParams();
    if (name === 'strip') params.delete('view');
    else params.set('view', name);
    const query = params.toString();
    const base = window.location.hash.split('?')[0] || '#/command';
    window.history.replaceState(null, '', `${base}${query ? `?${query}` : ''}`);
  }

  const asked = hashParams().get('view');
  show(VIEWS.includes(asked) ? asked : 'strip');
  return {
    current: () => current,
    unmount() {
      if (mounted) mounted.unmount();
      mounted = null;
      indicator.release();
    },
  };
}

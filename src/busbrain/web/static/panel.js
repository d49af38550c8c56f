// The side panel: network summary, route filter, route list, and the selected route's live
// buses (the list equivalent of the buses on the map).

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
  let liveCounts = new Map();
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
              h('span', { className: 'route-meta' }, t('patternCount', route.pattern_count)),
              h('span', { className: 'route-live' })),
          ),
        );
        items.set(route.route_id, item);
        return item;
      }),
    );
    applyFilter();
    markSelected(selected);
    setLiveCounts(liveCounts);
  }

  // How many buses of each route are live (a Map route_id → n), beside its name.
  function setLiveCounts(counts) {
    liveCounts = counts;
    for (const [id, item] of items) {
      const n = counts.get(id) || 0;
      const text = n ? t('liveCount', n) : '';
      const span = item.querySelector('.route-live');
      if (span.textContent !== text) span.textContent = text;
      span.hidden = n === 0;
    }
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
  return { render, markSelected, setLiveCounts };
}

// The selected route's live buses as a list: one button per bus (label, direction, next
// stop, delay, report age) that shows it on the map. The section is a polite live region;
// rows are updated in place, so a screen reader hears what changed, not the whole list.
export function createBusList({ section, title, list, empty }, { onOpen }) {
  const rows = new Map(); // vehicle_id → { item, fields }
  const FIELDS = ['label', 'toward', 'next', 'delay', 'age'];

  function row(f) {
    const fields = Object.fromEntries(
      FIELDS.map((name) => [name, h('span', { className: `bus-${name}` })]),
    );
    const button = h(
      'button',
      { type: 'button', className: 'bus-row', onClick: () => onOpen(f.id) },
      h('span', { className: 'bus-row-head' }, fields.label, fields.delay),
      fields.toward,
      fields.next,
      fields.age,
    );
    const item = h('li', { className: 'bus-item', dataset: { vehicleId: f.id } }, button);
    return { item, fields };
  }

  function setText(element, text) {
    if (element.textContent !== text) element.textContent = text;
    element.hidden = !text;
  }

  // `route` is the selected route (or null: the section hides); `buses` its facts (busFacts).
  function render(route, buses) {
    section.hidden = route === null;
    if (route === null) return;
    const heading = [routeChip(route, 'small'), h('span', {}, t('busesOnRoute', buses.length))];
    const headingText = `${route.route_id} ${t('busesOnRoute', buses.length)}`;
    if (title.dataset.text !== headingText) {
      title.replaceChildren(...heading);
      title.dataset.text = headingText;
    }
    const ids = new Set(buses.map((f) => f.id));
    for (const [id, { item }] of rows) {
      if (!ids.has(id)) {
        item.remove();
        rows.delete(id);
      }
    }
    buses.forEach((f, i) => {
      if (!rows.has(f.id)) rows.set(f.id, row(f));
      const { item, fields } = rows.get(f.id);
      for (const name of FIELDS) setText(fields[name], f[name]);
      fields.delay.className = `bus-delay ${f.delayKind}`.trim();
      item.classList.toggle('stale', f.stale);
      if (list.children[i] !== item) list.insertBefore(item, list.children[i] || null);
    });
    empty.hidden = buses.length > 0;
  }

  return { render };
}

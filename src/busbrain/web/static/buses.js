// The live buses on the map: /api/v1/vehicles polled every few seconds, one marker per bus
// (its line's colour, an arrow for its heading, its line's name beside it), faded when its
// last report is old. Clicking one opens what is known of it. When a route is selected,
// only its buses are drawn; the panel lists the same buses (panel.js, createBusList).

import { h, routeChip, routeLabel } from './dom.js';
import { t } from './i18n.js';
import { stopNames } from './map.js';

const L = window.L;

export const POLL_MS = 5000;
export const STALE_AFTER_S = 120; // a report older than this is drawn faded
const NO_ROUTE = { color: '#6b7785', text_color: '#ffffff' }; // a bus on no trip
const PANE = 'buses'; // above the stops and names, below tooltips and popups

// What a bus is, in words, for the popup, the marker's label and the panel's list.
export function busFacts(v, { routesById, stopsById, headsigns }) {
  const route = v.route_id ? routesById.get(v.route_id) : null;
  const line = route ? routeLabel(route) : v.line || null;
  const headsign = v.route_id ? headsigns.get(`${v.route_id}/${v.direction_id ?? 0}`) : null;
  const stop = v.next_stop_id ? stopsById.get(v.next_stop_id) : null;
  const stopName = stop ? stopNames(stop.properties)[0] : v.next_stop_id;
  const minutes = v.delay_s === null || v.delay_s === undefined ? null : Math.round(v.delay_s / 60);
  return {
    id: v.vehicle_id,
    line: line || t('notInService'),
    label: v.label || v.vehicle_id,
    toward: headsign ? t('toward', headsign) : v.route_id ? t('direction', v.direction_id) : '',
    next: stopName ? t(v.status === 'STOPPED_AT' ? 'atStop' : 'nextStop', stopName) : '',
    delay: minutes === null ? '' : minutes > 0 ? t('late', minutes)
      : minutes < 0 ? t('early', -minutes) : t('onTime'),
    delayKind: minutes === null ? '' : minutes > 0 ? 'late' : minutes < 0 ? 'early' : 'on-time',
    age: t('reportAge', Math.max(0, v.fix_age_s)),
    stale: v.fix_age_s > STALE_AFTER_S,
    offRoute: Boolean(v.off_route),
  };
}

export function createBusLayer(map, { routes, stops, lines, coords }, { onChange }) {
  const context = {
    routesById: new Map(routes.map((r) => [r.route_id, r])),
    stopsById: new Map(stops.features.map((f) => [f.properties.stop_id, f])),
    headsigns: new Map(),
  };
  for (const { properties: p } of lines.features) {
    const key = `${p.route_id}/${p.direction_id ?? 0}`;
    if (p.headsign && !context.headsigns.has(key)) context.headsigns.set(key, p.headsign);
  }
  map.createPane(PANE).style.zIndex = '620';
  const layer = L.layerGroup().addTo(map);
  const entries = new Map(); // vehicle_id → { vehicle, marker, parts }
  let selected = null;
  let timer = null;
  let polls = 0;

  const facts = (v) => busFacts(v, context);
  const wanted = (v) => selected === null || v.route_id === selected;

  function createEntry(v) {
    const parts = {
      arrow: h('span', { className: 'bus-arrow' }),
      dot: h('span', { className: 'bus-dot' }),
      tag: h('span', { className: 'bus-tag' }),
    };
    parts.root = h('div', { className: 'bus-icon' }, parts.arrow, parts.dot, parts.tag);
    const icon = L.divIcon({
      className: 'bus-marker',
      html: parts.root, // an element: names go in as text, never as HTML
      iconSize: [22, 22],
      iconAnchor: [11, 11],
      popupAnchor: [0, -14],
    });
    const marker = L.marker(coords.toMap(v.lat, v.lon), { icon, pane: PANE, riseOnHover: true });
    const entry = { vehicle: v, marker, parts };
    marker.bindPopup(() => busPopup(entry.vehicle, facts(entry.vehicle), context), {
      className: 'bb-popup', maxWidth: 280, autoPanPadding: [24, 24],
    });
    marker.on('add', () => labelMarker(entry)); // Leaflet makes a new element on each add
    return entry;
  }

  function labelMarker(entry) {
    const element = entry.marker.getElement();
    if (!element) return;
    const f = facts(entry.vehicle);
    const words = [f.line, f.label, f.toward, f.next, f.delay, f.stale ? t('staleNote') : ''];
    element.setAttribute('aria-label', words.filter(Boolean).join(t('listSep')));
    element.dataset.vehicleId = entry.vehicle.vehicle_id;
  }

  function restyle(entry) {
    const v = entry.vehicle;
    const route = (v.route_id && context.routesById.get(v.route_id)) || NO_ROUTE;
    const { root, arrow, dot, tag } = entry.parts;
    const f = facts(v);
    root.classList.toggle('stale', f.stale);
    root.classList.toggle('off-route', f.offRoute);
    dot.style.backgroundColor = route.color;
    arrow.style.color = route.color;
    arrow.hidden = v.bearing === null || v.bearing === undefined;
    if (!arrow.hidden) arrow.style.transform = `rotate(${Number(v.bearing)}deg)`;
    tag.textContent = f.line;
    tag.style.backgroundColor = route.color;
    tag.style.color = route.text_color;
    labelMarker(entry);
    if (entry.marker.isPopupOpen()) entry.marker.getPopup().update();
  }

  function applyFilter() {
    for (const entry of entries.values()) {
      const show = wanted(entry.vehicle);
      if (show && !layer.hasLayer(entry.marker)) layer.addLayer(entry.marker);
      else if (!show && layer.hasLayer(entry.marker)) layer.removeLayer(entry.marker);
    }
    onChange();
  }

  function update(vehicles) {
    const seen = new Set();
    for (const v of vehicles) {
      seen.add(v.vehicle_id);
      let entry = entries.get(v.vehicle_id);
      if (entry === undefined) {
        entry = createEntry(v);
        entries.set(v.vehicle_id, entry);
      }
      entry.vehicle = v;
      entry.marker.setLatLng(coords.toMap(v.lat, v.lon));
      restyle(entry);
    }
    for (const [id, entry] of entries) {
      if (seen.has(id)) continue;
      layer.removeLayer(entry.marker);
      entries.delete(id);
    }
    applyFilter();
  }

  async function poll() {
    const response = await fetch('/api/v1/vehicles', { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`/api/v1/vehicles: HTTP ${response.status}`);
    const data = await response.json();
    update(data.vehicles);
    polls += 1;
    document.body.dataset.busPolls = String(polls);
  }

  // One poll now (its promise settles once the first buses are drawn), then one every
  // POLL_MS while the page is in view. A failed poll keeps the buses last seen.
  function start() {
    const tick = async () => {
      timer = null;
      if (!document.hidden) {
        try {
          await poll();
          delete document.body.dataset.busError;
        } catch (error) {
          document.body.dataset.busError = String(error.message || error);
          console.warn('live buses:', error); // not an error: the next poll may do
        }
      }
      timer = setTimeout(tick, POLL_MS);
    };
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden && timer !== null) {
        clearTimeout(timer);
        tick();
      }
    });
    return tick();
  }

  // The buses drawn now (all, or the selected route's), in the API's order.
  function drawn() {
    return [...entries.values()].filter((e) => layer.hasLayer(e.marker)).map((e) => e.vehicle);
  }

  return {
    start,
    refresh: poll,
    setRoute(routeId) {
      selected = routeId;
      applyFilter();
    },
    drawn,
    facts,
    // live buses per route_id, for the route list
    countsByRoute() {
      const counts = new Map();
      for (const { vehicle } of entries.values()) {
        if (vehicle.route_id) counts.set(vehicle.route_id, (counts.get(vehicle.route_id) || 0) + 1);
      }
      return counts;
    },
    // where each drawn bus is on the map (map coordinates), for the console and the tests
    positions() {
      const out = {};
      for (const [id, entry] of entries) {
        if (!layer.hasLayer(entry.marker)) continue;
        const { lat, lng } = entry.marker.getLatLng();
        out[id] = [lat, lng];
      }
      return out;
    },
    // show a bus: pan to it and open its popup (from the panel's list)
    open(vehicleId) {
      const entry = entries.get(vehicleId);
      if (!entry || !layer.hasLayer(entry.marker)) return;
      map.panTo(entry.marker.getLatLng());
      entry.marker.openPopup();
    },
    refreshLanguage() {
      for (const entry of entries.values()) restyle(entry);
      onChange();
    },
  };
}

function busPopup(v, f, { routesById }) {
  const route = v.route_id ? routesById.get(v.route_id) : null;
  const row = (label, value, className = '') => (value
    ? h('div', { className: `pop-row ${className}`.trim() },
      h('span', {}, label), h('b', {}, value))
    : null);
  return h(
    'div',
    { className: 'bus-popup', dataset: { vehicleId: v.vehicle_id } },
    h('div', { className: 'pop-kind' }, t('bus')),
    h('div', { className: 'pop-line' },
      route ? routeChip(route) : h('span', { className: 'pop-title' }, f.line),
      f.toward ? h('span', { className: 'pop-sub' }, f.toward) : null),
    row(t('plate'), f.label),
    f.next ? h('div', { className: 'pop-row' }, h('b', {}, f.next)) : null,
    row(t('schedule'), f.delay, f.delayKind),
    row(t('reported'), f.age, f.stale ? 'stale' : ''),
    f.offRoute ? h('div', { className: 'pop-row warn' }, t('offRoute')) : null,
  );
}

// The map page: loads the network from /api/v1 and draws it, with the live buses on it.
// No build step, no CDN; a base map only when the operator configured one.
//
// Once drawn, <body> carries markers that tests (and curious people) can read:
// data-map-ready, data-routes-drawn, data-stops-drawn, data-tile-layers, data-tile-crs,
// data-resource-origins, data-csp-violations; data-map-error when it could not draw;
// data-buses-drawn (kept up to date), data-bus-polls, data-bus-error (the last poll failed).

import { createBusLayer } from './buses.js';
import { h } from './dom.js';
import { VENDOR_MISSING, applyStaticTexts, onLangChange, setLang, t } from './i18n.js';
import { createNetworkMap } from './map.js';
import { createBusList, createRouteList, renderSummary } from './panel.js';
import { readUrlState, writeUrlState } from './urlstate.js';

const body = document.body;
const $ = (id) => document.getElementById(id);
const narrow = window.matchMedia('(max-width: 720px)');

let cspViolations = 0;
body.dataset.cspViolations = '0';
document.addEventListener('securitypolicyviolation', (e) => {
  cspViolations += 1;
  body.dataset.cspViolations = String(cspViolations);
  console.error('blocked by the content security policy:', e.blockedURI);
});

function showNotice(content, kind = 'info') {
  const notice = $('notice');
  notice.className = `notice ${kind}`;
  notice.replaceChildren(...[content].flat());
  notice.hidden = false;
}

function hideNotice() {
  $('notice').hidden = true;
}

async function fetchJson(url) {
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

function wireLanguageToggle() {
  for (const button of document.querySelectorAll('button[data-lang]')) {
    button.addEventListener('click', () => setLang(button.dataset.lang));
  }
}

// On a narrow screen the panel is a sheet over the map's bottom, opened by its button.
function setPanelOpen(open) {
  $('panel').classList.toggle('open', open);
  $('panel-toggle').setAttribute('aria-expanded', String(open));
}

function wirePanelToggle() {
  $('panel-toggle').addEventListener('click', () => {
    setPanelOpen(!$('panel').classList.contains('open'));
  });
  // keep the map's bottom controls (scale bar, hints) above the sheet, whatever its height
  const panel = $('panel');
  new ResizeObserver(() => {
    document.documentElement.style.setProperty('--sheet-h', `${panel.offsetHeight}px`);
  }).observe(panel);
}

function recordOrigins() {
  const origins = new Set([window.location.origin]);
  for (const entry of performance.getEntriesByType('resource')) {
    try {
      origins.add(new URL(entry.name).origin);
    } catch {
      origins.add(entry.name);
    }
  }
  body.dataset.resourceOrigins = [...origins].join(' ');
}

async function main() {
  applyStaticTexts();
  wireLanguageToggle();

  if (typeof window.L === 'undefined') {
    showNotice(
      [
        h('strong', {}, '⚠ 地图组件缺失 · Map library missing'),
        h('p', { lang: 'zh-CN' }, VENDOR_MISSING.zh),
        h('p', { lang: 'en' }, VENDOR_MISSING.en),
        h('code', {}, 'cd src/busbrain/web && npm ci'),
      ],
      'error',
    );
    body.dataset.mapError = 'vendor-missing';
    console.error(`${VENDOR_MISSING.zh}\n${VENDOR_MISSING.en}`);
    return;
  }

  showNotice(t('loading'));
  const [summary, routes, lines, stops, config] = await Promise.all([
    fetchJson('/api/v1/network/summary'),
    fetchJson('/api/v1/routes'),
    fetchJson('/api/v1/network/routes.geojson'),
    fetchJson('/api/v1/network/stops.geojson'),
    fetchJson('/api/v1/web/config'),
  ]);

  const urlState = readUrlState();
  let selected = null;
  let list = null;
  let netmap = null;
  let buses = null;

  // On a narrow screen the panel covers the bottom of the map: keep what we fit above it.
  const padding = () =>
    narrow.matches
      ? { topLeft: [24, 24], bottomRight: [72, $('panel').offsetHeight + 24] }
      : { topLeft: [40, 40], bottomRight: [96, 40] }; // room on the right for termini names
  const saveView = () => writeUrlState({ ...netmap.getView(), route: selected });
  const select = (routeId, { fit = true } = {}) => {
    if (narrow.matches && routeId !== null) setPanelOpen(false); // show the map
    selected = netmap.selectRoute(routeId, { fit: fit && routeId !== null, padding: padding() });
    list.markSelected(selected);
    buses.setRoute(selected);
    saveView();
  };

  netmap = createNetworkMap(
    $('map'), { summary, routes, lines, stops }, { onRouteClick: select, tiles: config.tiles },
  );
  list = createRouteList(
    { list: $('route-list'), filter: $('route-filter'), empty: $('route-empty'),
      showAll: $('show-all') },
    routes,
    { onSelect: select },
  );
  const routesById = new Map(routes.map((r) => [r.route_id, r]));
  const busList = createBusList(
    { section: $('bus-section'), title: $('bus-title'), list: $('bus-list'),
      empty: $('bus-empty') },
    {
      onOpen: (vehicleId) => {
        if (narrow.matches) setPanelOpen(false); // show the map
        buses.open(vehicleId);
      },
    },
  );
  const showBuses = () => {
    const drawn = buses.drawn();
    body.dataset.busesDrawn = String(drawn.length);
    list.setLiveCounts(buses.countsByRoute());
    busList.render(selected === null ? null : routesById.get(selected), drawn.map(buses.facts));
  };
  buses = createBusLayer(netmap.map, { routes, stops, lines, coords: netmap.coords },
    { onChange: showBuses });
  showBuses();
  window.busbrain = { map: netmap.map, select, buses }; // for the console, and the browser tests
  renderSummary($('summary'), summary);
  wirePanelToggle();

  if (urlState.view) netmap.setView(urlState.view);
  else netmap.fitAll(padding());
  netmap.start();
  if (urlState.route) select(urlState.route, { fit: !urlState.view });
  netmap.map.on('moveend', saveView);
  await buses.start(); // the first buses are drawn before the page says it is ready

  const empty = lines.features.length === 0 && stops.features.length === 0;
  if (empty) showNotice(t('emptyNetwork'));
  else hideNotice();

  onLangChange(() => {
    renderSummary($('summary'), summary);
    list.render();
    netmap.refreshLanguage();
    buses.refreshLanguage();
    if (empty) showNotice(t('emptyNetwork'));
  });

  body.dataset.routesDrawn = String(netmap.routesDrawn);
  body.dataset.stopsDrawn = String(netmap.stopsDrawn);
  body.dataset.tileLayers = String(netmap.tileLayers);
  body.dataset.tileCrs = netmap.coords.crs;
  recordOrigins();
  body.dataset.mapReady = 'true';
}

main().catch((error) => {
  console.error(error);
  body.dataset.mapError = String(error && error.message ? error.message : error);
  showNotice([h('strong', {}, t('loadError')), h('p', {}, String(error.message || error))], 'error');
});

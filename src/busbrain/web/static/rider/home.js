// Home: a search box with instant fuzzy results, nearby stops, and favourites.

import { getJson } from './api.js';
import { h, lifecycle, lineBadge, lineHref, markReady, stopHref } from './bits.js';
import { prefs } from './prefs.js';
import { getLang, t, titlePinyin } from './text.js';

const NEARBY_RADIUS_M = 800;
let lastPosition = null; // kept while the app is open: search ranks by distance from it

function nameBlock(name, pinyin) {
  return h('span', { className: 'name-block' },
    h('span', { className: 'name' }, name),
    pinyin ? h('span', { className: 'pinyin secondary', lang: 'zh-Latn-pinyin' },
      getLang() === 'en' ? titlePinyin(pinyin) : pinyin) : null);
}

function linesRow(lines) {
  if (!lines || lines.length === 0) return null;
  const shown = lines.slice(0, 8);
  return h('span', { className: 'lines-row' },
    shown.map((l) => lineBadge(l.route_id, l.name)),
    lines.length > shown.length ? h('span', { className: 'more' }, `+${lines.length - shown.length}`) : null);
}

function stationItem(st) {
  return h('li', {},
    h('a', { className: 'row', href: stopHref(st.station_id || st.id), dataset: { stationId: st.station_id || st.id } },
      nameBlock(st.name, st.pinyin),
      st.distance_m !== null && st.distance_m !== undefined
        ? h('span', { className: 'distance' }, t('metres', st.distance_m)) : null,
      linesRow(st.lines)));
}

function searchResults(list, results) {
  if (results.length === 0) {
    list.replaceChildren(h('li', { className: 'empty' }, t('searchNone')));
    return;
  }
  list.replaceChildren(...results.map((r) => (r.kind === 'line'
    ? h('li', {},
      h('a', { className: 'row', href: lineHref(r.id), dataset: { lineId: r.id } },
        h('span', { className: 'kind' }, t('kindLine')),
        lineBadge(r.id, r.name)))
    : stationItem({ ...r, station_id: r.id }))));
}

function favourites() {
  const p = prefs();
  const places = ['home', 'work'].filter((k) => p[k]).map((k) => h('li', {},
    h('a', { className: 'row place', href: stopHref(p[k].id) },
      h('span', { className: 'kind' }, t(k)), h('span', { className: 'name' }, p[k].name))));
  const stops = p.stops.map((s) => h('li', {},
    h('a', { className: 'row', href: stopHref(s.id) }, h('span', { className: 'kind' }, '★'),
      h('span', { className: 'name' }, s.name))));
  const lines = p.lines.map((l) => h('li', {},
    h('a', { className: 'row', href: lineHref(l.id) }, h('span', { className: 'kind' }, '★'),
      lineBadge(l.id, l.name))));
  const items = [...places, ...stops, ...lines];
  return h('section', { className: 'card', 'aria-labelledby': 'fav-title' },
    h('h2', { id: 'fav-title' }, t('favourites')),
    items.length ? h('ul', { className: 'list', id: 'favourites' }, items)
      : h('p', { className: 'hint' }, t('favouritesNone')));
}

export function homeView(root, { setTitle }) {
  setTitle(null);
  const life = lifecycle();
  const input = h('input', {
    id: 'search', type: 'search', autocomplete: 'off', enterKeyHint: 'search',
    placeholder: t('searchPlaceholder'), 'aria-label': t('searchLabel'),
    'aria-controls': 'search-results',
  });
  input.spellcheck = false;
  const results = h('ul', { className: 'list results', id: 'search-results', 'aria-live': 'polite' });
  const nearbyList = h('ul', { className: 'list', id: 'nearby' });
  const nearbyNote = h('p', { className: 'hint', role: 'status' });
  const locate = h('button', { type: 'button', className: 'pill primary', id: 'locate' }, t('locate'));

  let seq = 0;
  let timer = null;
  async function runSearch() {
    const q = input.value.trim();
    const mine = ++seq;
    if (!q) {
      results.replaceChildren();
      return;
    }
    const params = new URLSearchParams({ q, limit: '12' });
    if (lastPosition) {
      params.set('lat', String(lastPosition.lat));
      params.set('lon', String(lastPosition.lon));
    }
    try {
      const found = await getJson(`/api/v1/stops/search?${params}`);
      if (mine === seq && life.alive) {
        searchResults(results, found.results);
        document.body.dataset.searchDone = q;
      }
    } catch (error) {
      if (mine === seq) results.replaceChildren(h('li', { className: 'empty' }, String(error.message)));
    }
  }
  input.addEventListener('input', () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(runSearch, 120);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      const first = results.querySelector('a');
      if (first) first.click();
    }
  });

  async function showNearby(pos) {
    lastPosition = pos;
    const params = new URLSearchParams({
      lat: String(pos.lat), lon: String(pos.lon), radius_m: String(NEARBY_RADIUS_M), limit: '12',
    });
    const found = await getJson(`/api/v1/stops/nearby?${params}`);
    if (!life.alive) return;
    nearbyNote.textContent = found.stations.length ? '' : t('nearbyNone');
    nearbyList.replaceChildren(...found.stations.map(stationItem));
  }

  locate.addEventListener('click', () => {
    if (!navigator.geolocation) {
      nearbyNote.textContent = t('locateDenied');
      return;
    }
    nearbyNote.textContent = t('locating');
    navigator.geolocation.getCurrentPosition(
      (p) => showNearby({ lat: p.coords.latitude, lon: p.coords.longitude })
        .catch((e) => { nearbyNote.textContent = String(e.message); }),
      () => { nearbyNote.textContent = t('locateDenied'); },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 30000 },
    );
  });

  root.append(
    h('section', { className: 'search card', role: 'search' },
      h('label', { className: 'sr-only', htmlFor: 'search' }, t('searchLabel')),
      input, results),
    favourites(),
    h('section', { className: 'card', 'aria-labelledby': 'nearby-title' },
      h('div', { className: 'card-head' }, h('h2', { id: 'nearby-title' }, t('nearby')), locate),
      nearbyNote, nearbyList),
  );
  if (lastPosition) showNearby(lastPosition).catch(() => {});
  markReady();
  return {
    unmount() {
      life.stop();
      window.clearTimeout(timer);
    },
  };
}

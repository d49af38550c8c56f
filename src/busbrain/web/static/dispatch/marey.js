// 运行图 (the time-space or Marey diagram) in 调度指挥: for one line and direction, time
// runs left to right and the stops top to bottom at their distance along the line. Each
// trip of today's timetable is a dashed line, what the bus really did a solid one (flat
// where it stood at a stop); two solid lines close together are buses bunched, and an
// amber dot marks a bus reaching a stop within 75 % of the planned headway behind the
// bus before it (串车, the strip's rule). The live buses are dots in their adherence
// colour at their place now. The window is the last 2 hours by default, following the
// clock; ◀ and ▶ scroll it an hour, 现在 comes back. Drawn in SVG; a table below gives
// each trip's first and last times for screen readers.

import { call } from './api.js';
import { h, refreshSeconds, svg } from './bits.js';
import { ADHERENCE_COLOURS } from './fleetmap.js';
import { subscribe } from './livepush.js';
import { translator } from '../lang.js';

const t = translator({
  zh: {
    line: '线路',
    choose: '请选择线路',
    earlier: '◀ 早 1 小时',
    later: '晚 1 小时 ▶',
    now: '现在',
    towards: (s) => `开往 ${s}`,
    direction: (d) => (d === 0 ? '上行' : '下行'),
    label: (line, n, bunched) => `${line} 运行图：${n} 个班次，串车 ${bunched} 处`,
    planned: '计划（虚线）',
    actual: '实际（实线）',
    bunch: '串车',
    livebus: '在线车辆',
    trips: '班次列表',
    colTrip: '班次', colBus: '车辆', colPlanned: '计划 首站—末站', colActual: '实际 首站—末站',
    noTrips: '该时段没有班次。',
    pickFirst: '请先选择线路。',
    loadError: '加载失败',
    off: '运行图不可用：服务器没有实时记录（到离站）。',
  },
  en: {
    line: 'Line',
    choose: 'Choose a line',
    earlier: '◀ 1 h earlier',
    later: '1 h later ▶',
    now: 'Now',
    towards: (s) => `towards ${s}`,
    direction: (d) => `Direction ${d}`,
    label: (line, n, bunched) => `Time-space diagram of ${line}: ${n} trips, ${bunched} bunched arrivals`,
    planned: 'Planned (dashed)',
    actual: 'Actual (solid)',
    bunch: 'Bunched',
    livebus: 'Live bus',
    trips: 'Trips',
    colTrip: 'Trip', colBus: 'Bus', colPlanned: 'Planned first–last stop', colActual: 'Actual first–last stop',
    noTrips: 'No trips in this window.',
    pickFirst: 'Choose a line first.',
    loadError: 'Could not load',
    off: 'The diagram is off: the server keeps no real-time record (stop events).',
  },
});

const WINDOW_S = 2 * 3600;
const AHEAD_S = 10 * 60; // the window runs this far past now, to show what is due
const SCROLL_S = 3600;
const REFETCH_S = 5; // at most one fetch this often when following the clock
const BUNCHED_SHARE = 0.75;
const MARGIN = { left: 120, right: 16, top: 14, bottom: 28 };
const clock = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hour12: false });

const hhmm = (unix) => (unix === null || unix === undefined ? '—' : clock.format(new Date(unix * 1000)));


// Where arrivals came too close behind the trip before at the same stop: [trip index, stop index].
export function bunchedArrivals(trips, nStops) {
  const out = [];
  for (let k = 0; k < nStops; k += 1) {
    const planned = trips.map((tr) => tr.planned[k]).filter((x) => x !== null).sort((a, b) => a - b);
    const gaps = planned.slice(1).map((x, i) => x - planned[i]).filter((g) => g > 0).sort((a, b) => a - b);
    if (!gaps.length) continue;
    const headway = gaps[Math.floor(gaps.length / 2)];
    const actual = trips.map((tr, i) => [tr.arrival[k], i]).filter(([x]) => x !== null).sort((a, b) => a[0] - b[0]);
    for (let j = 1; j < actual.length; j += 1) {
      if (actual[j][0] - actual[j - 1][0] <= BUNCHED_SHARE * headway) out.push([actual[j][1], k]);
    }
  }
  return out;
}

export function mareyView(el, { routeId = null } = {}) {
  let alive = true;
  let line = routeId;
  let direction = 0;
  let follow = true; // the window follows the clock
  let windowEnd = null; // unix seconds, when not following
  let data = null;
  let lastFetch = 0;
  let fetching = false;
  let skew = null; // the server's clock minus this one's, seconds

  const status = h('p', { className: 'message', role: 'status', hidden: true });
  const picker = h('select', { id: 'marey-line', onchange: () => { line = picker.value || null; direction = 0; load(); } });
  const directions = h('div', { className: 'fleet-tabs marey-directions', role: 'group' });
  const earlier = h('button', { type: 'button', className: 'pill', id: 'marey-earlier', onclick: () => scroll(-SCROLL_S) }, t('earlier'));
  const later = h('button', { type: 'button', className: 'pill', id: 'marey-later', onclick: () => scroll(SCROLL_S) }, t('later'));
  const nowButton = h('button', { type: 'button', className: 'pill', id: 'marey-now', onclick: () => { follow = true; windowEnd = null; load(); } }, t('now'));
  const chart = h('div', { className: 'marey-chart', id: 'marey-chart' });
  const legend = h('ul', { className: 'fleet-legend marey-legend' },
    h('li', {}, h('span', { className: 'marey-key planned' }), t('planned')),
    h('li', {}, h('span', { className: 'marey-key actual' }), t('actual')),
    h('li', {}, h('span', { className: 'fleet-swatch bunch' }), t('bunch')),
    h('li', {}, h('span', { className: 'fleet-swatch on_time' }), t('livebus')));
  const tripsBody = h('tbody');
  const table = h('table', { className: 'grid', id: 'marey-trips' },
    h('thead', {}, h('tr', {}, [t('colTrip'), t('colBus'), t('colPlanned'), t('colActual')].map((x) => h('th', { scope: 'col' }, x)))),
    tripsBody);
  el.append(
    status,
    h('div', { className: 'fleet-tools' },
      h('label', { className: 'field line-pick' }, h('span', {}, t('line')), picker),
      directions,
      h('div', { className: 'fleet-zoom' }, earlier, nowButton, later)),
    legend,
    chart,
    h('details', { className: 'fleet-list' }, h('summary', {}, t('trips')), table),
  );

  function scroll(seconds) {
    const end = follow || windowEnd === null ? (data ? data.now_unix : Date.now() / 1000) + AHEAD_S : windowEnd;
    follow = false;
    windowEnd = end + seconds;
    load();
  }

  function windowOf(now) {
    const end = follow || windowEnd === null ? now + AHEAD_S : windowEnd;
    return [end - WINDOW_S - AHEAD_S, end];
  }

  async function loadLines() {
    const { lines } = await call('GET', '/lines');
    if (!alive) return;
    picker.replaceChildren(h('option', { value: '' }, t('choose')), ...lines.map((ln) => h('option', { value: ln.route_id }, ln.line)));
    if (!line && lines.length && lines[0].live_buses) line = lines[0].route_id;
    picker.value = line || '';
  }

  async function load() {
    if (!line) {
      chart.replaceChildren(h('p', { className: 'hint' }, t('pickFirst')));
      return;
    }
    if (fetching) return;
    fetching = true;
    lastFetch = Date.now();
    try {
      const query = new URLSearchParams({ direction_id: String(direction) });
      if (skew !== null) { // the server's clock is known (it may be a simulated day's)
        const [start, end] = windowOf(Date.now() / 1000 + skew);
        query.set('start', String(Math.round(start)));
        query.set('end', String(Math.round(end)));
      }
      const got = await call('GET', `/lines/${encodeURIComponent(line)}/marey?${query}`);
      if (!alive || got.route_id !== line) return;
      skew = got.now_unix - Date.now() / 1000;
      data = got;
      status.hidden = true;
      render();
    } catch (error) {
      if (alive && error.status !== 401) {
        status.hidden = false;
        status.textContent = error.status === 503 ? t('off') : `${t('loadError')}: ${error.message}`;
      }
    } finally {
      fetching = false;
    }
  }

  function renderDirections() {
    directions.replaceChildren(...data.directions.map((d) => h(
      'button',
      {
        type: 'button', className: 'pill', 'aria-pressed': String(d.direction_id === direction),
        dataset: { direction: String(d.direction_id) },
        onclick: () => { direction = d.direction_id; load(); },
      },
      d.headsign ? t('towards', d.headsign) : t('direction', d.direction_id),
    )));
  }

  function render() {
    renderDirections();
    const [start, end] = windowOf(data.now_unix);
    const stops = data.stops;
    const d0 = stops.length ? stops[0].dist_m : 0;
    const d1 = stops.length ? Math.max(stops[stops.length - 1].dist_m, d0 + 1) : 1;
    const width = Math.max(chart.clientWidth || 900, 480);
    const height = Math.min(Math.max(280, stops.length * 26), 640) + MARGIN.top + MARGIN.bottom;
    const plotW = width - MARGIN.left - MARGIN.right;
    const plotH = height - MARGIN.top - MARGIN.bottom;
    const x = (unix) => MARGIN.left + ((unix - start) / (end - start)) * plotW;
    const y = (dist) => MARGIN.top + ((dist - d0) / (d1 - d0)) * plotH;
    const r1 = (v) => Math.round(v * 10) / 10;
    const trips = data.trips;
    const bunched = bunchedArrivals(trips, stops.length);

    const grid = stops.map((s) => svg('g', { class: 'marey-stop' },
      svg('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: r1(y(s.dist_m)), y2: r1(y(s.dist_m)) }),
      svg('text', { x: MARGIN.left - 6, y: r1(y(s.dist_m)) + 4, 'text-anchor': 'end' }, s.name)));
    const step = end - start > 3 * 3600 ? 1800 : 900;
    const ticks = [];
    for (let tick = Math.ceil(start / step) * step; tick <= end; tick += step) {
      ticks.push(svg('g', { class: 'marey-tick' },
        svg('line', { x1: r1(x(tick)), x2: r1(x(tick)), y1: MARGIN.top, y2: height - MARGIN.bottom }),
        svg('text', { x: r1(x(tick)), y: height - 8, 'text-anchor': 'middle' }, hhmm(tick))));
    }
    const pathOf = (points) => points.map(([px, py], k) => `${k ? 'L' : 'M'}${r1(px)} ${r1(py)}`).join('');
    const planned = [];
    const actual = [];
    trips.forEach((tr) => {
      const p = [];
      const a = [];
      stops.forEach((s, k) => {
        if (tr.planned[k] !== null) p.push([x(tr.planned[k]), y(s.dist_m)]);
        if (tr.arrival[k] !== null) a.push([x(tr.arrival[k]), y(s.dist_m)]);
        if (tr.departure[k] !== null && tr.departure[k] !== tr.arrival[k]) a.push([x(tr.departure[k]), y(s.dist_m)]);
      });
      if (p.length > 1) planned.push(svg('path', { class: 'marey-planned', d: pathOf(p), 'data-trip': tr.trip_id }, svg('title', {}, `${tr.trip_id} · ${t('planned')}`)));
      if (a.length) {
        const label = `${tr.trip_id} · ${tr.vehicle_ids.join(', ')} · ${t('actual')}`;
        actual.push(a.length > 1
          ? svg('path', { class: 'marey-actual', d: pathOf(a), 'data-trip': tr.trip_id }, svg('title', {}, label))
          : svg('circle', { class: 'marey-actual-dot', cx: r1(a[0][0]), cy: r1(a[0][1]), r: 2.5, 'data-trip': tr.trip_id }, svg('title', {}, label)));
      }
    });
    const bunchDots = bunched.map(([i, k]) => svg('circle', {
      class: 'marey-bunch', cx: r1(x(trips[i].arrival[k])), cy: r1(y(stops[k].dist_m)), r: 4, 'data-trip': trips[i].trip_id,
    }, svg('title', {}, `${t('bunch')} · ${trips[i].trip_id} · ${stops[k].name}`)));
    const liveDots = data.live.filter((b) => b.dist_m !== null).map((b) => svg('g', { class: 'marey-live', 'data-vehicle': b.vehicle_id },
      svg('circle', { cx: r1(x(b.at)), cy: r1(y(b.dist_m)), r: 6, fill: ADHERENCE_COLOURS[b.adherence] || ADHERENCE_COLOURS.unknown }),
      svg('text', { x: r1(x(b.at)) + 8, y: r1(y(b.dist_m)) - 6 }, b.label || b.vehicle_id),
      svg('title', {}, `${b.label || b.vehicle_id} · ${b.trip_id || ''}`)));
    const nowX = x(data.now_unix);
    const root = svg('svg', {
      class: 'marey-svg', id: 'marey-svg', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
      'aria-label': t('label', data.line, trips.length, bunched.length),
      'data-planned': planned.length, 'data-actual': actual.length, 'data-bunched': bunched.length,
    },
    svg('defs', {}, svg('clipPath', { id: 'marey-clip' }, svg('rect', { x: MARGIN.left, y: 0, width: plotW, height }))),
    grid, ticks,
    svg('g', { 'clip-path': 'url(#marey-clip)' },
      planned, actual, bunchDots,
      nowX >= MARGIN.left && nowX <= width - MARGIN.right
        ? svg('line', { class: 'marey-now', x1: r1(nowX), x2: r1(nowX), y1: MARGIN.top, y2: height - MARGIN.bottom })
        : null,
      liveDots));
    chart.replaceChildren(trips.length ? root : h('p', { className: 'hint' }, t('noTrips')));
    if (!trips.length) chart.append(root);
    tripsBody.replaceChildren(...trips.map((tr) => {
      const first = (xs) => xs.find((v) => v !== null) ?? null;
      const last = (xs) => [...xs].reverse().find((v) => v !== null) ?? null;
      return h('tr', { dataset: { trip: tr.trip_id } },
        h('td', {}, tr.trip_id),
        h('td', {}, tr.vehicle_ids.join(', ') || '—'),
        h('td', {}, `${hhmm(first(tr.planned))}–${hhmm(last(tr.planned))}`),
        h('td', {}, `${hhmm(first(tr.arrival))}–${hhmm(last(tr.departure))}`));
    }));
    el.dataset.mareyUpdates = String(Number(el.dataset.mareyUpdates || 0) + 1);
  }

  const push = subscribe({
    pollSeconds: refreshSeconds(5),
    onUpdate: () => {
      if (follow && Date.now() - lastFetch >= REFETCH_S * 1000) load();
    },
  });
  const ready = loadLines().then(load).catch((error) => {
    status.hidden = false;
    status.textContent = `${t('loadError')}: ${error.message}`;
  });
  return {
    ready,
    setLine(next) {
      if (next && next !== line) {
        line = next;
        picker.value = line;
        direction = 0;
        load();
      }
    },
    unmount() {
      alive = false;
      push.close();
    },
  };
}

// 全部车辆地图 (the live map of all buses) in 调度指挥: the network's own shapes
// (/api/v1/network/routes.geojson) and every live bus (/api/v1/dispatch/fleet, then the
// live push) on two canvases — the network redrawn only when the view moves, the buses on
// each update, so 1,000 buses redraw in a few milliseconds. A bus is a dot coloured by
// schedule adherence (early violet, on time green, late red, unknown grey) with a tick
// for its heading; an amber ring marks 串车/大间隔, an orange one 偏线 (off route), a faded
// dot a stale report. Filter by line; click a bus (or a row of the list) for what is known
// of it and a link to its line's strip. The list below is the same buses as a table, for
// screen readers and keyboards (built while it is open).
//
// The passenger map's modules (map.js, buses.js) draw with Leaflet and one DOM marker per
// bus; the console loads no third-party code and needs 1,000 buses, so this draws itself.
// Positions are WGS-84 on a local flat projection (metres east and north of the centre).

import { call } from './api.js';
import { h } from './bits.js';
import { subscribe } from './livepush.js';
import { translator } from '../lang.js';

const t = translator({
  zh: {
    allLines: '全部线路',
    filter: '线路',
    buses: (n) => `${n} 辆`,
    zoomIn: '放大',
    zoomOut: '缩小',
    fitAll: '全图',
    mapLabel: (n, late, early) => `全部车辆地图：${n} 辆车在线，晚点 ${late}，早点 ${early}`,
    adherence: { early: '早点', on_time: '准点', late: '晚点', unknown: '未知' },
    lateBy: (m) => `晚点 ${m} 分`,
    earlyBy: (m) => `早点 ${m} 分`,
    spacing: { bunched: '串车', gapped: '大间隔', normal: '正常', unknown: '—' },
    offRoute: '偏线',
    stale: '数据陈旧',
    list: '车辆列表',
    listHint: '（展开后随数据更新）',
    colLine: '线路', colBus: '车辆', colTrip: '班次', colSchedule: '准点', colNext: '下一站',
    colHeadway: '与前车间隔', colLoad: '满载率', colAge: '上报',
    minutes: (m) => `${m} 分钟`,
    secondsAgo: (s) => `${s} 秒前`,
    pickHint: '点击地图上的车辆查看详情。',
    toStrip: '查看线路模拟图',
    noBus: '该车已不在线。',
    loadError: '加载失败',
    noNetwork: '线网为空。',
    legend: '图例',
    ring: '黄圈：串车或大间隔；橙圈：偏线；淡色：数据陈旧',
  },
  en: {
    allLines: 'All lines',
    filter: 'Line',
    buses: (n) => `${n} buses`,
    zoomIn: 'Zoom in',
    zoomOut: 'Zoom out',
    fitAll: 'Whole network',
    mapLabel: (n, late, early) => `Map of all buses: ${n} live, ${late} late, ${early} early`,
    adherence: { early: 'Early', on_time: 'On time', late: 'Late', unknown: 'Unknown' },
    lateBy: (m) => `${m} min late`,
    earlyBy: (m) => `${m} min early`,
    spacing: { bunched: 'Bunched', gapped: 'Gap', normal: 'Normal', unknown: '—' },
    offRoute: 'Off route',
    stale: 'Stale report',
    list: 'Bus list',
    listHint: ' (follows the data while open)',
    colLine: 'Line', colBus: 'Bus', colTrip: 'Trip', colSchedule: 'Schedule', colNext: 'Next stop',
    colHeadway: 'Behind the bus ahead', colLoad: 'Load', colAge: 'Report',
    minutes: (m) => `${m} min`,
    secondsAgo: (s) => `${s} s ago`,
    pickHint: 'Click a bus on the map for details.',
    toStrip: 'Open the line strip',
    noBus: 'This bus is no longer live.',
    loadError: 'Could not load',
    noNetwork: 'The network is empty.',
    legend: 'Legend',
    ring: 'Amber ring: bunched or gap; orange ring: off route; faded: stale report',
  },
});

export const ADHERENCE_COLOURS = {
  early: '#6d28d9', on_time: '#0a7d3b', late: '#b42318', unknown: '#64748b',
};
const M_PER_DEG = 111_320;
const HEIGHT_PX = 560;
const HIT_PX = 9;
const MIN_SCALE = 1e-4; // px per metre: a whole province
const MAX_SCALE = 2; // px per metre: street level

function refreshSeconds() {
  const asked = Number(new URLSearchParams(window.location.search).get('refresh'));
  return Number.isFinite(asked) && asked >= 0.5 ? asked : 5;
}

function delayText(bus) {
  if (bus.delay_s === null || bus.delay_s === undefined) return t('adherence', 'unknown');
  if (bus.adherence === 'on_time') return t('adherence', 'on_time');
  const minutes = Math.abs(bus.delay_s / 60).toFixed(1);
  return t(bus.adherence === 'late' ? 'lateBy' : 'earlyBy', minutes);
}

function headwayText(bus) {
  if (bus.headway_s === null || bus.headway_s === undefined) return '—';
  const words = t('minutes', (bus.headway_s / 60).toFixed(1));
  return bus.spacing === 'bunched' || bus.spacing === 'gapped' ? `${words} · ${t('spacing', bus.spacing)}` : words;
}

// The fleet answer's rows as objects (the answer is columnar to stay small).
export function fleetBuses(fleet) {
  const fields = fleet.fields;
  return fleet.buses.map((row) => {
    const bus = {};
    fields.forEach((name, k) => { bus[name] = row[k]; });
    return bus;
  });
}

export function fleetMapView(el, { routeId = null } = {}) {
  let alive = true;
  let fleet = null; // the last fleet answer
  let buses = []; // its rows as objects
  let shapes = []; // [{ route_id, color, points: Float64Array [x0, y0, x1, y1, ...] }]
  let origin = null; // { lat, lon, kx } of the projection
  let view = null; // { cx, cy, scale }: metres at the canvas centre, px per metre
  let filter = routeId || '';
  let picked = null; // vehicle_id shown in the detail box
  let placed = []; // [x, y, bus] of the buses drawn, canvas px, for clicks

  const status = h('p', { className: 'message', role: 'status', hidden: true });
  const picker = h('select', { id: 'fleet-line', onchange: () => { filter = picker.value; baseDirty = true; draw(); renderList(); } });
  const baseCanvas = h('canvas', { className: 'fleet-base', 'aria-hidden': 'true' });
  const busCanvas = h('canvas', { className: 'fleet-buses', id: 'fleet-canvas', role: 'img' });
  const frame = h('div', { className: 'fleet-frame', id: 'fleet-map' }, baseCanvas, busCanvas);
  const zoomIn = h('button', { type: 'button', className: 'pill', title: t('zoomIn'), 'aria-label': t('zoomIn'), onclick: () => zoomBy(2) }, '+');
  const zoomOut = h('button', { type: 'button', className: 'pill', title: t('zoomOut'), 'aria-label': t('zoomOut'), onclick: () => zoomBy(0.5) }, '−');
  const fit = h('button', { type: 'button', className: 'pill', onclick: () => { fitAll(); draw(); } }, t('fitAll'));
  const legend = h('ul', { className: 'fleet-legend', id: 'fleet-legend', 'aria-label': t('legend') });
  const detail = h('div', { className: 'fleet-detail', id: 'fleet-detail', 'aria-live': 'polite' }, h('p', { className: 'hint' }, t('pickHint')));
  const listBody = h('tbody');
  const listTable = h(
    'table',
    { className: 'grid', id: 'fleet-table' },
    h('thead', {}, h('tr', {}, [
      t('colLine'), t('colBus'), t('colTrip'), t('colSchedule'), t('colNext'), t('colHeadway'), t('colLoad'), t('colAge'),
    ].map((text) => h('th', { scope: 'col' }, text)))),
    listBody,
  );
  const listSummary = h('summary', {}, t('list'));
  const list = h('details', { className: 'fleet-list', id: 'fleet-list', ontoggle: () => renderList() }, listSummary, listTable);
  el.append(
    status,
    h('div', { className: 'fleet-tools' },
      h('label', { className: 'field line-pick' }, h('span', {}, t('filter')), picker),
      h('div', { className: 'fleet-zoom' }, zoomIn, zoomOut, fit)),
    legend,
    h('div', { className: 'fleet-body' }, frame, detail),
    list,
  );

  // --- projection and view ---------------------------------------------------------------
  const toXY = (lat, lon) => [(lon - origin.lon) * origin.kx, (lat - origin.lat) * M_PER_DEG];
  const width = () => busCanvas.clientWidth || 800;
  const height = () => busCanvas.clientHeight || HEIGHT_PX;
  const toPx = (x, y) => [width() / 2 + (x - view.cx) * view.scale, height() / 2 - (y - view.cy) * view.scale];

  function fitAll() {
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    const chosen = shapes.filter((s) => !filter || s.route_id === filter);
    for (const s of chosen.length ? chosen : shapes) {
      for (let k = 0; k < s.points.length; k += 2) {
        x0 = Math.min(x0, s.points[k]); x1 = Math.max(x1, s.points[k]);
        y0 = Math.min(y0, s.points[k + 1]); y1 = Math.max(y1, s.points[k + 1]);
      }
    }
    if (!Number.isFinite(x0)) { x0 = -2000; x1 = 2000; y0 = -2000; y1 = 2000; }
    const scale = Math.min((width() - 40) / Math.max(x1 - x0, 100), (height() - 40) / Math.max(y1 - y0, 100));
    view = { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, scale: Math.min(Math.max(scale, MIN_SCALE), MAX_SCALE) };
    baseDirty = true;
  }

  function zoomBy(factor, px = width() / 2, py = height() / 2) {
    const scale = Math.min(Math.max(view.scale * factor, MIN_SCALE), MAX_SCALE);
    // keep the point under (px, py) where it is
    const x = view.cx + (px - width() / 2) / view.scale;
    const y = view.cy - (py - height() / 2) / view.scale;
    view = { cx: x - (px - width() / 2) / scale, cy: y + (py - height() / 2) / scale, scale };
    baseDirty = true;
    draw();
  }

  // --- drawing ---------------------------------------------------------------------------
  let baseDirty = true;
  let frameAsked = false;

  function sized(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const [w, hgt] = [width(), height()];
    if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(hgt * ratio)) {
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(hgt * ratio);
      baseDirty = true;
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    return ctx;
  }

  function drawBase() {
    const ctx = sized(baseCanvas);
    ctx.clearRect(0, 0, width(), height());
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    const ordered = [...shapes].sort((a, b) => (a.route_id === filter) - (b.route_id === filter));
    for (const s of ordered) {
      const mine = !filter || s.route_id === filter;
      ctx.globalAlpha = mine ? 0.85 : 0.15;
      ctx.strokeStyle = s.color;
      ctx.lineWidth = filter && mine ? 4 : 2;
      ctx.beginPath();
      for (let k = 0; k < s.points.length; k += 2) {
        const [px, py] = toPx(s.points[k], s.points[k + 1]);
        if (k === 0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
      }
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
    baseDirty = false;
  }

  function drawBuses() {
    const began = performance.now();
    const ctx = sized(busCanvas);
    if (baseDirty) drawBase();
    ctx.clearRect(0, 0, width(), height());
    placed = [];
    let pickedSpot = null;
    for (const bus of buses) {
      if (filter && bus.route_id !== filter) continue;
      const [x, y] = toPx(...toXY(bus.lat, bus.lon));
      if (x < -10 || y < -10 || x > width() + 10 || y > height() + 10) continue;
      placed.push([x, y, bus]);
      ctx.globalAlpha = bus.stale ? 0.35 : 1;
      if (bus.bearing !== null && bus.bearing !== undefined) {
        const a = (bus.bearing * Math.PI) / 180;
        ctx.strokeStyle = '#17212b';
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.moveTo(x, y);
        ctx.lineTo(x + Math.sin(a) * 10, y - Math.cos(a) * 10);
        ctx.stroke();
      }
      if (bus.off_route || bus.spacing === 'bunched' || bus.spacing === 'gapped') {
        ctx.fillStyle = bus.off_route ? '#ea580c' : '#f59e0b';
        ctx.beginPath();
        ctx.arc(x, y, 8.5, 0, 2 * Math.PI);
        ctx.fill();
      }
      ctx.fillStyle = ADHERENCE_COLOURS[bus.adherence] || ADHERENCE_COLOURS.unknown;
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.arc(x, y, 5.5, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
      if (bus.vehicle_id === picked) pickedSpot = [x, y];
    }
    ctx.globalAlpha = 1;
    if (pickedSpot) {
      ctx.strokeStyle = '#17212b';
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      ctx.arc(pickedSpot[0], pickedSpot[1], 12, 0, 2 * Math.PI);
      ctx.stroke();
    }
    busCanvas.dataset.drawn = String(placed.length);
    busCanvas.dataset.drawMs = (performance.now() - began).toFixed(1); // for the bench
    busCanvas.dataset.madeAt = fleet ? String(fleet.made_at) : '';
    const counts = fleet ? fleet.counts : { late: 0, early: 0 };
    busCanvas.setAttribute('aria-label', t('mapLabel', placed.length, counts.late, counts.early));
  }

  // Redraws on the next animation frame (many updates in a frame draw once).
  function draw() {
    if (frameAsked || !view) return;
    frameAsked = true;
    window.requestAnimationFrame(() => {
      frameAsked = false;
      if (alive) drawBuses();
    });
  }

  // Where a bus is drawn, in CSS px from the canvas's top left (tests click there).
  busCanvas.busAt = (vehicleId) => {
    const spot = placed.find(([, , b]) => b.vehicle_id === vehicleId);
    return spot ? [spot[0], spot[1]] : null;
  };

  // --- pointer: drag to pan, wheel to zoom, click to pick ---------------------------------
  let drag = null;
  busCanvas.addEventListener('pointerdown', (event) => {
    drag = { x: event.offsetX, y: event.offsetY, cx: view.cx, cy: view.cy, moved: false };
    busCanvas.setPointerCapture(event.pointerId);
  });
  busCanvas.addEventListener('pointermove', (event) => {
    if (!drag) return;
    const dx = event.offsetX - drag.x;
    const dy = event.offsetY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    if (drag.moved) {
      view = { ...view, cx: drag.cx - dx / view.scale, cy: drag.cy + dy / view.scale };
      baseDirty = true;
      draw();
    }
  });
  busCanvas.addEventListener('pointerup', (event) => {
    const wasDrag = drag && drag.moved;
    drag = null;
    if (wasDrag) return;
    let best = null;
    for (const [x, y, bus] of placed) {
      const d = Math.hypot(x - event.offsetX, y - event.offsetY);
      if (d <= HIT_PX && (!best || d < best[0])) best = [d, bus];
    }
    pick(best ? best[1].vehicle_id : null);
  });
  busCanvas.addEventListener('wheel', (event) => {
    event.preventDefault();
    zoomBy(event.deltaY < 0 ? 1.25 : 0.8, event.offsetX, event.offsetY);
  }, { passive: false });
  const resize = new ResizeObserver(() => { baseDirty = true; draw(); });
  resize.observe(frame);

  // --- the detail box and the list -------------------------------------------------------
  function lineName(bus) {
    return bus.route_id ? (fleet.lines[bus.route_id] || {}).line || bus.route_id : '—';
  }

  function stopName(bus) {
    return bus.next_stop_id ? fleet.stops[bus.next_stop_id] || bus.next_stop_id : '—';
  }

  function pick(vehicleId) {
    picked = vehicleId;
    renderDetail();
    draw();
  }

  function renderDetail() {
    if (!picked) {
      detail.replaceChildren(h('p', { className: 'hint' }, t('pickHint')));
      return;
    }
    const bus = buses.find((b) => b.vehicle_id === picked);
    if (!bus) {
      detail.replaceChildren(h('p', { className: 'hint' }, t('noBus')));
      return;
    }
    const row = (label, value, className = '') => h('div', { className: `fleet-row ${className}`.trim() }, h('dt', {}, label), h('dd', {}, value));
    const flags = [bus.off_route ? t('offRoute') : '', bus.stale ? t('stale') : ''].filter(Boolean).join(' · ');
    detail.replaceChildren(
      h('h4', {}, `${lineName(bus)} · ${bus.label || bus.vehicle_id}`),
      h('dl', { dataset: { vehicle: bus.vehicle_id } },
        row(t('colTrip'), bus.trip_id || '—'),
        row(t('colSchedule'), delayText(bus), `adh ${bus.adherence}`),
        row(t('colNext'), stopName(bus)),
        row(t('colHeadway'), headwayText(bus)),
        row(t('colLoad'), bus.occupancy_percent === null ? '—' : `${bus.occupancy_percent}%`),
        row(t('colAge'), bus.fix_age_s === null ? '—' : t('secondsAgo', bus.fix_age_s)),
        flags ? row('⚠', flags, 'warn') : null),
      bus.route_id ? h('a', { href: `#/command?line=${encodeURIComponent(bus.route_id)}`, className: 'fleet-strip-link', id: 'fleet-strip-link' }, t('toStrip')) : null,
    );
  }

  function renderList() {
    const shown = buses.filter((b) => !filter || b.route_id === filter);
    listSummary.textContent = `${t('list')} · ${t('buses', shown.length)}${list.open ? '' : t('listHint')}`;
    if (!list.open) return;
    listBody.replaceChildren(...shown.map((bus) => h(
      'tr',
      { dataset: { vehicle: bus.vehicle_id } },
      h('td', {}, lineName(bus)),
      h('td', {}, h('button', { type: 'button', className: 'pill', onclick: () => pick(bus.vehicle_id) }, bus.label || bus.vehicle_id)),
      h('td', {}, bus.trip_id || '—'),
      h('td', { className: `adh ${bus.adherence}` }, delayText(bus)),
      h('td', {}, stopName(bus)),
      h('td', { className: bus.spacing === 'bunched' || bus.spacing === 'gapped' ? 'warn' : '' }, headwayText(bus)),
      h('td', {}, bus.occupancy_percent === null ? '—' : `${bus.occupancy_percent}%`),
      h('td', { className: bus.stale ? 'warn' : '' }, bus.fix_age_s === null ? '—' : t('secondsAgo', bus.fix_age_s)),
    )));
  }

  function renderLegend() {
    const counts = fleet ? fleet.counts : {};
    legend.replaceChildren(
      ...['late', 'on_time', 'early', 'unknown'].map((kind) => h(
        'li', { dataset: { adherence: kind } },
        h('span', { className: `fleet-swatch ${kind}` }),
        `${t('adherence', kind)} ${counts[kind] || 0}`,
      )),
      h('li', {}, `${t('spacing', 'bunched')} ${counts.bunched || 0} · ${t('spacing', 'gapped')} ${counts.gapped || 0} · ${t('offRoute')} ${counts.off_route || 0}`),
      h('li', { className: 'hint' }, t('ring')),
    );
  }

  function renderPicker() {
    const perLine = new Map();
    for (const bus of buses) if (bus.route_id) perLine.set(bus.route_id, (perLine.get(bus.route_id) || 0) + 1);
    const ids = [...new Set([...perLine.keys(), ...(filter ? [filter] : [])])];
    ids.sort((a, b) => ((fleet.lines[a] || {}).line || a).localeCompare((fleet.lines[b] || {}).line || b, 'zh-CN', { numeric: true }));
    const wanted = ids.map((id) => `${id}:${perLine.get(id) || 0}`).join('|');
    if (picker.dataset.options === wanted) return; // unchanged: keep the open list alone
    picker.dataset.options = wanted;
    picker.replaceChildren(
      h('option', { value: '' }, `${t('allLines')} · ${t('buses', buses.length)}`),
      ...ids.map((id) => h('option', { value: id }, `${(fleet.lines[id] || {}).line || id} · ${t('buses', perLine.get(id) || 0)}`)),
    );
    picker.value = filter;
  }

  function show(answer) {
    if (!alive || !answer) return;
    fleet = answer;
    buses = fleetBuses(answer);
    renderPicker();
    renderLegend();
    if (picked) renderDetail();
    renderList();
    draw();
    el.dataset.fleetUpdates = String(Number(el.dataset.fleetUpdates || 0) + 1);
  }

  async function poll() {
    try {
      show(await call('GET', '/fleet'));
      status.hidden = true;
    } catch (error) {
      if (alive && error.status !== 401) {
        status.hidden = false;
        status.textContent = `${t('loadError')}: ${error.message}`;
      }
    }
  }

  async function start() {
    const [summary, geo] = await Promise.all([
      fetch('/api/v1/network/summary').then((r) => r.json()),
      fetch('/api/v1/network/routes.geojson').then((r) => r.json()),
    ]);
    if (!alive) return;
    const box = summary.bbox || { min_lat: 41.119, max_lat: 41.119, min_lon: 121.127, max_lon: 121.127 };
    const lat = (box.min_lat + box.max_lat) / 2;
    origin = { lat, lon: (box.min_lon + box.max_lon) / 2, kx: M_PER_DEG * Math.cos((lat * Math.PI) / 180) };
    shapes = geo.features.filter((f) => f.geometry && f.geometry.type === 'LineString').map((f) => ({
      route_id: f.properties.route_id,
      color: f.properties.color || '#1f6fb5',
      points: Float64Array.from(f.geometry.coordinates.flatMap(([lon, lat2]) => toXY(lat2, lon))),
    }));
    if (!shapes.length) {
      status.hidden = false;
      status.textContent = t('noNetwork');
    }
    fitAll();
    await poll();
    draw();
  }

  const push = subscribe({
    fleet: true,
    pollSeconds: refreshSeconds(),
    onUpdate: (message) => (message && message.fleet ? show(message.fleet) : poll()),
  });
  const ready = start().catch((error) => {
    status.hidden = false;
    status.textContent = `${t('loadError')}: ${error.message}`;
  });

  return {
    ready,
    setLine(next) {
      filter = next || '';
      picker.value = filter;
      baseDirty = true;
      draw();
    },
    unmount() {
      alive = false;
      push.close();
      resize.disconnect();
    },
  };
}

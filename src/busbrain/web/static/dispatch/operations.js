// 运营监管 (operations): the service day's figures per line — 正班率 (trips completed ÷
// trips due to have finished) and 发车正点率 (terminal departures within the window ÷
// departures seen) as a bar chart, then the table of every figure, the trips no vehicle
// started (缺车), the buses off route now (偏线), the overlong layovers, and the 电子路单
// (electronic waybill) of the vehicle picked. Each table downloads as CSV. A date picker
// shows another service day; everything refreshes every 30 s (?refresh=N seconds) without
// reloading. The page has its own strings (translator from ../lang.js) and redraws when
// the language changes.

import { call } from './api.js';
import { h, markReady, refreshSeconds, statusLine, table } from './bits.js';
import { onLangChange, translator } from '../lang.js';
import { localTime } from './text.js';

const API = '/api/v1/dispatch/operations';

const t = translator({
  zh: {
    title: '运营监管',
    date: '运营日',
    today: '今天',
    loadError: '加载失败',
    off: '运营监管未启用：服务器没有实时历史记录（到离站事件）。',
    completion: '正班率',
    punctuality: '发车正点率',
    missing: '缺车',
    offRoute: '偏线',
    overlong: '超长停站',
    revenueKm: '营运里程',
    deadKm: '非营运里程',
    km: (v) => `${v} 公里`,
    of: (a, b) => `${a}/${b}`,
    chartTitle: '各线路正班率与发车正点率',
    chartLabel: '各线路正班率与发车正点率的条形图；数值见下表。',
    noData: '无数据',
    linesTable: '线路统计',
    csv: '导出 CSV',
    observedFrom: (at, n) => `本日记录始于 ${at}；此前已发车的 ${n} 个班次未被观测，不计入缺车和正班率。`,
    nothingObserved: '本日尚无运行记录：不判定缺车和正班率。',
    rules: (r) => `正点：发车早于计划不超过 ${r.on_time_early_s / 60} 分钟、晚于计划不超过 ${r.on_time_late_s / 60} 分钟（首站）。缺车：计划发车后 ${r.grace_s / 60} 分钟仍无车执行。正班率：计划到达末站后 ${r.grace_s / 60} 分钟计入。超长停站：比计划停站长 ${r.layover_extra_s / 60} 分钟以上。`,
    colLine: '线路',
    colPlanned: '计划趟次',
    colRun: '已发趟次',
    colMissing: '缺车',
    colCompleted: '完成/应完成',
    colCompletion: '正班率',
    colDepartures: '正点/实发',
    colPunctuality: '发车正点率',
    colExtra: '加班',
    colOffRoute: '偏线',
    colOverlong: '超长停站',
    colRevenue: '营运公里',
    colDead: '非营运公里',
    colTrip: '趟次',
    colDirection: '方向',
    colBlock: '路牌',
    colPlannedDep: '计划发车',
    colOverdue: '已过',
    colBus: '车辆',
    colWhere: '位置',
    colSeen: '最后定位',
    colAfter: '上一趟',
    colStop: '停站地点',
    colLayover: '实际停站',
    colScheduled: '计划停站',
    colExcess: '超出',
    colActualDep: '实际发车',
    colDepDelay: '发车偏差',
    colPlannedArr: '计划到达',
    colActualArr: '实际到达',
    colRoute: '起止站',
    colStops: '经停站',
    colDone: '完成',
    direction: { 0: '上行', 1: '下行' },
    minutes: (m) => `${m} 分`,
    late: (m) => `晚 ${m} 分`,
    early: (m) => `早 ${m} 分`,
    onTime: '正点',
    yes: '是',
    no: '否',
    noMissing: '没有缺车。',
    noOffRoute: '目前没有车辆偏线。',
    noOffRouteDay: '偏线只对今天可见（实时）。',
    noOverlong: '没有超长停站。',
    waybill: '电子路单',
    pickVehicle: '选择车辆',
    choose: '— 请选择 —',
    vehicleOption: (v) => `${v.label || v.vehicle_id} · ${v.trips_run} 趟 · ${v.revenue_km} 公里`,
    noVehicles: '这一天没有车辆的到离站记录。',
    waybillSummary: (v) => `${v.label || v.vehicle_id}：${v.trips_run} 趟（完成 ${v.trips_completed}），营运 ${v.revenue_km} 公里，非营运 ${v.dead_km} 公里。`,
    driverNote: '司机：发车时刷卡（从业资格证 IC 卡）签到的司机；“—”表示无人签到。',
    colDriver: '司机',
    allWaybills: '导出全部路单 CSV',
    vehicleWaybill: '导出本车路单 CSV',
    extraTrip: '（计划外）',
  },
  en: {
    title: 'Operations',
    date: 'Service day',
    today: 'Today',
    loadError: 'Could not load',
    off: 'Operations are off: the server has no real-time history (stop events).',
    completion: 'Trips completed',
    punctuality: 'On-time departures',
    missing: 'Missing',
    offRoute: 'Off route',
    overlong: 'Overlong layovers',
    revenueKm: 'Revenue mileage',
    deadKm: 'Dead mileage',
    km: (v) => `${v} km`,
    of: (a, b) => `${a}/${b}`,
    chartTitle: 'Trips completed and on-time departures by line',
    chartLabel: 'Bar chart of trips completed and on-time departures by line; the table below has the values.',
    noData: 'no data',
    linesTable: 'Lines',
    csv: 'Export CSV',
    observedFrom: (at, n) => `The day's record begins at ${at}; ${n} trips that left before then were not watched and count neither as missing nor in completion.`,
    nothingObserved: 'Nothing recorded for this day yet: no trip is judged missing or complete.',
    rules: (r) => `On time: leaving the first stop at most ${r.on_time_early_s / 60} min early and ${r.on_time_late_s / 60} min late. Missing: no bus on a trip ${r.grace_s / 60} min after its departure. Completion counts a trip ${r.grace_s / 60} min after its scheduled arrival. Overlong layover: over ${r.layover_extra_s / 60} min longer than scheduled.`,
    colLine: 'Line',
    colPlanned: 'Trips planned',
    colRun: 'Trips run',
    colMissing: 'Missing',
    colCompleted: 'Completed/due',
    colCompletion: 'Completion',
    colDepartures: 'On time/seen',
    colPunctuality: 'On-time departures',
    colExtra: 'Extra',
    colOffRoute: 'Off route',
    colOverlong: 'Overlong layovers',
    colRevenue: 'Revenue km',
    colDead: 'Dead km',
    colTrip: 'Trip',
    colDirection: 'Direction',
    colBlock: 'Block',
    colPlannedDep: 'Planned departure',
    colOverdue: 'Overdue',
    colBus: 'Bus',
    colWhere: 'Position',
    colSeen: 'Last fix',
    colAfter: 'After trip',
    colStop: 'At',
    colLayover: 'Layover',
    colScheduled: 'Scheduled',
    colExcess: 'Over by',
    colActualDep: 'Actual departure',
    colDepDelay: 'Departure',
    colPlannedArr: 'Planned arrival',
    colActualArr: 'Actual arrival',
    colRoute: 'From – to',
    colStops: 'Stops',
    colDone: 'Done',
    direction: { 0: 'Outbound', 1: 'Inbound' },
    minutes: (m) => `${m} min`,
    late: (m) => `${m} min late`,
    early: (m) => `${m} min early`,
    onTime: 'on time',
    yes: 'yes',
    no: 'no',
    noMissing: 'No missing trips.',
    noOffRoute: 'No bus is off route now.',
    noOffRouteDay: 'Off-route buses are shown for today only (live).',
    noOverlong: 'No overlong layovers.',
    waybill: 'Electronic waybill',
    pickVehicle: 'Vehicle',
    choose: '— choose —',
    vehicleOption: (v) => `${v.label || v.vehicle_id} · ${v.trips_run} trips · ${v.revenue_km} km`,
    noVehicles: 'No bus has stop events on this day.',
    waybillSummary: (v) => `${v.label || v.vehicle_id}: ${v.trips_run} trips (${v.trips_completed} completed), ${v.revenue_km} km in service, ${v.dead_km} km dead.`,
    driverNote: 'Driver: who was signed in (IC card) when the trip departed; “—”: nobody signed in.',
    colDriver: 'Driver',
    allWaybills: 'Export all waybills (CSV)',
    vehicleWaybill: 'Export this waybill (CSV)',
    extraTrip: ' (extra)',
  },
});

function pct(value) {
  return value === null || value === undefined ? '—' : `${value.toFixed(1)}%`;
}

function hhmm(iso) {
  return iso ? localTime(iso).slice(11, 16) : '—';
}

function minutes(seconds) {
  return seconds === null || seconds === undefined ? '—' : t('minutes', (seconds / 60).toFixed(0));
}

function deviation(seconds, onTime) {
  if (seconds === null || seconds === undefined) return '—';
  const m = (Math.abs(seconds) / 60).toFixed(1);
  if (onTime) return `${t('onTime')} (${seconds < 0 ? '−' : '+'}${m})`;
  return seconds < 0 ? t('early', m) : t('late', m);
}

// Two horizontal bars per line (正班率, 发车正点率), 0–100 %, with the value written;
// plain elements sized by a custom property (no SVG: no namespace to name).
function barChart(lines) {
  const shown = lines.filter((ln) => ln.finishes_due || ln.departures_observed);
  const chart = h('div', { className: 'ops-chart', role: 'img', 'aria-label': t('chartLabel') });
  if (!shown.length) chart.append(h('p', { className: 'hint' }, t('noData')));
  for (const ln of shown) {
    const bars = [['completion_pct', 'ops-bar-completion', 'completion'], ['on_time_departure_pct', 'ops-bar-punctuality', 'punctuality']].map(([key, cls, name]) => {
      const value = ln[key];
      const bar = h('span', {
        className: `ops-bar ${cls}${value === null ? ' ops-none' : ''}`,
        title: `${ln.line} · ${t(name)} ${pct(value)}`,
        dataset: { value: value === null ? '' : String(value) },
      });
      bar.style.setProperty('--w', `${value === null ? 0 : value}%`);
      return h('span', { className: 'ops-bar-row' }, bar, h('span', { className: 'ops-value' }, pct(value)));
    });
    chart.append(h('div', { className: 'ops-chart-row', dataset: { route: ln.route_id || '' } },
      h('span', { className: 'ops-label' }, ln.line || ln.route_id || '?'),
      h('span', { className: 'ops-bars' }, bars)));
  }
  chart.append(h('div', { className: 'ops-chart-row ops-axis' }, h('span'),
    h('span', { className: 'ops-ticks' }, h('span', {}, '0%'), h('span', {}, '50%'), h('span', {}, '100%'))));
  return chart;
}

export function operationsPage(el) {
  let alive = true;
  let summary = null;
  let vehicles = null;
  let waybill = null;
  const asked = new URLSearchParams(window.location.hash.split('?')[1] || '');
  let day = /^\d{4}-\d{2}-\d{2}$/.test(asked.get('date') || '') ? asked.get('date') : '';
  let vehicleId = asked.get('vehicle') || null;

  // The day and bus picked stay in the address (#/operations?date=…&vehicle=…): a link
  // shows the same, and the page, redrawn on a change of language, keeps them.
  function remember() {
    const q = new URLSearchParams();
    if (day) q.set('date', day);
    if (vehicleId) q.set('vehicle', vehicleId);
    const text = q.toString();
    window.history.replaceState(null, '', `#/operations${text ? `?${text}` : ''}`);
  }
  const status = statusLine('ops-message');

  function dateQuery(extra = {}) {
    const q = new URLSearchParams();
    if (day) q.set('date', day);
    for (const [k, v] of Object.entries(extra)) q.set(k, v);
    const text = q.toString();
    return text ? `?${text}` : '';
  }

  function card(name, value, detail, warn = false) {
    return h('div', { className: `ops-card${warn ? ' ops-warn' : ''}`, dataset: { figure: name } },
      h('span', { className: 'ops-card-name' }, t(name)),
      h('strong', { className: 'ops-card-value' }, value),
      detail ? h('span', { className: 'ops-card-detail' }, detail) : null);
  }

  function cards(s) {
    const x = s.totals;
    return h('div', { className: 'ops-cards', id: 'ops-cards' },
      card('completion', pct(x.completion_pct), t('of', x.trips_completed, x.finishes_due)),
      card('punctuality', pct(x.on_time_departure_pct), t('of', x.departures_on_time, x.departures_observed)),
      card('missing', String(x.trips_missing), t('of', x.trips_missing, x.departures_due), x.trips_missing > 0),
      card('offRoute', s.live ? String(s.off_route.length) : '—', null, s.off_route.length > 0),
      card('overlong', String(s.overlong_layovers.length), null, s.overlong_layovers.length > 0),
      card('revenueKm', t('km', x.revenue_km), t('deadKm') + ' ' + t('km', x.dead_km)));
  }

  function linesTable(s) {
    const tb = table('ops-lines', [
      t('colLine'), t('colPlanned'), t('colRun'), t('colMissing'), t('colCompleted'), t('colCompletion'),
      t('colDepartures'), t('colPunctuality'), t('colExtra'), t('colOffRoute'), t('colOverlong'), t('colRevenue'), t('colDead'),
    ]);
    tb.tbody.append(...s.lines.map((ln) => h('tr', { dataset: { route: ln.route_id || '' } },
      h('th', { scope: 'row' }, ln.line || ln.route_id || '?'),
      h('td', {}, ln.trips_planned), h('td', {}, ln.trips_run),
      h('td', { className: ln.trips_missing ? 'warn' : '' }, ln.trips_missing),
      h('td', {}, t('of', ln.trips_completed, ln.finishes_due)), h('td', {}, pct(ln.completion_pct)),
      h('td', {}, t('of', ln.departures_on_time, ln.departures_observed)), h('td', {}, pct(ln.on_time_departure_pct)),
      h('td', {}, ln.extra_trips), h('td', { className: ln.off_route ? 'warn' : '' }, ln.off_route),
      h('td', { className: ln.overlong_layovers ? 'warn' : '' }, ln.overlong_layovers),
      h('td', {}, ln.revenue_km), h('td', {}, ln.dead_km))));
    return tb.el;
  }

  function listOrEmpty(id, headings, rows, empty) {
    const tb = table(id, headings);
    tb.tbody.append(...rows);
    if (!rows.length) tb.tbody.append(h('tr', {}, h('td', { colSpan: headings.length, className: 'hint' }, empty)));
    return tb.el;
  }

  function direction(d) {
    return d === null || d === undefined ? '—' : t('direction', d);
  }

  function missingTable(s) {
    return listOrEmpty('ops-missing', [t('colLine'), t('colTrip'), t('colDirection'), t('colBlock'), t('colPlannedDep'), t('colOverdue')],
      s.missing.map((m) => h('tr', { dataset: { trip: m.trip_id } },
        h('td', {}, m.line || m.route_id), h('td', {}, m.trip_id), h('td', {}, direction(m.direction_id)),
        h('td', {}, m.block_id || '—'), h('td', {}, hhmm(m.planned_departure_utc)), h('td', {}, minutes(m.overdue_s)))),
      t('noMissing'));
  }

  function offRouteTable(s) {
    return listOrEmpty('ops-off-route', [t('colBus'), t('colLine'), t('colTrip'), t('colWhere'), t('colSeen')],
      s.off_route.map((o) => h('tr', { dataset: { vehicle: o.vehicle_id } },
        h('td', {}, o.label || o.vehicle_id), h('td', {}, o.line || '—'), h('td', {}, o.trip_id || '—'),
        h('td', {}, `${o.lat.toFixed(5)}, ${o.lon.toFixed(5)}`), h('td', {}, hhmm(o.fix_utc)))),
      t(s.live ? 'noOffRoute' : 'noOffRouteDay'));
  }

  function overlongTable(s) {
    return listOrEmpty('ops-overlong', [t('colBus'), t('colLine'), t('colStop'), t('colAfter'), t('colTrip'), t('colLayover'), t('colScheduled'), t('colExcess')],
      s.overlong_layovers.map((o) => h('tr', { dataset: { vehicle: o.vehicle_id } },
        h('td', {}, o.label || o.vehicle_id), h('td', {}, o.line || '—'), h('td', {}, o.stop),
        h('td', {}, o.after_trip_id), h('td', {}, `${o.trip_id} (${hhmm(o.departed_utc)})`),
        h('td', {}, minutes(o.layover_s)), h('td', {}, minutes(o.scheduled_layover_s)),
        h('td', { className: 'warn' }, minutes(o.excess_s)))),
      t('noOverlong'));
  }

  function waybillTable(w) {
    return listOrEmpty('ops-waybill', [
      t('colTrip'), t('colDriver'), t('colLine'), t('colRoute'), t('colPlannedDep'), t('colActualDep'), t('colDepDelay'),
      t('colPlannedArr'), t('colActualArr'), t('colStops'), t('colDone'), t('colRevenue'), t('colDead'), t('colLayover'),
    ], w.trips.map((x) => h('tr', { dataset: { trip: x.trip_id } },
      h('td', {}, x.trip_id + (x.in_timetable ? '' : t('extraTrip'))),
      h('td', { title: x.driver ? x.driver.driver_id : '' }, x.driver ? (x.driver.name || x.driver.driver_id) : '—'),
      h('td', {}, x.line || '—'),
      h('td', {}, `${x.from_stop} → ${x.to_stop}`),
      h('td', {}, hhmm(x.planned_departure_utc)), h('td', {}, hhmm(x.actual_departure_utc)),
      h('td', { className: x.departure_on_time === false ? 'warn' : '' }, deviation(x.departure_delay_s, x.departure_on_time)),
      h('td', {}, hhmm(x.planned_arrival_utc)), h('td', {}, hhmm(x.actual_arrival_utc)),
      h('td', {}, x.stops_planned ? t('of', x.stops_seen, x.stops_planned) : x.stops_seen),
      h('td', {}, t(x.completed ? 'yes' : 'no')),
      h('td', {}, x.revenue_km ?? '—'), h('td', {}, x.dead_km ?? '—'),
      h('td', { className: x.layover_overlong ? 'warn' : '' },
        x.layover_s === null ? '—' : `${minutes(x.layover_s)} / ${minutes(x.scheduled_layover_s)}`))), '');
  }

  function download(href, label, id) {
    return h('a', { className: 'pill ops-csv', href, download: '', id }, label);
  }

  // Controls kept across refreshes (so that a refresh does not take the focus or close a
  // menu); everything else is redrawn from the data at hand.
  const picker = h('input', { type: 'date', id: 'ops-date', value: day });
  picker.addEventListener('change', () => {
    day = picker.value;
    vehicleId = null;
    waybill = null;
    remember();
    drawWaybill();
    refresh();
  });
  const select = h('select', { id: 'ops-vehicle' });
  let options = '';
  select.addEventListener('change', () => {
    vehicleId = select.value || null;
    waybill = null;
    remember();
    drawWaybill();
    loadWaybill().then(() => { if (alive) drawWaybill(); }).catch(failed);
  });
  const links = h('span', { className: 'ops-links' });
  const summaryBox = h('div', { id: 'ops-summary' });
  const pickRow = h('div', { className: 'ops-pick' });
  const waybillBox = h('div', { id: 'ops-waybill-box' });

  // The page's frame in the current language.
  function frame() {
    el.replaceChildren(
      h('h2', {}, t('title')),
      status,
      h('div', { className: 'ops-toolbar' }, h('label', { className: 'field' }, h('span', {}, t('date')), picker), links),
      summaryBox,
      h('h3', {}, t('waybill')),
      pickRow,
      waybillBox,
    );
    options = '';
    drawSummary();
    drawWaybill();
  }

  function drawSummary() {
    links.replaceChildren(
      download(`${API}/summary${dateQuery({ format: 'csv' })}`, `${t('linesTable')} · ${t('csv')}`, 'ops-lines-csv'),
      download(`${API}/waybills${dateQuery({ format: 'csv' })}`, t('allWaybills'), 'ops-waybills-csv'),
    );
    if (!summary) {
      summaryBox.replaceChildren();
      return;
    }
    if (!picker.value) picker.value = summary.date;
    summaryBox.replaceChildren(
      cards(summary),
      h('p', { className: 'hint', id: 'ops-rules' }, t('rules', summary.rules)),
      h('p', { className: 'hint', id: 'ops-observed' }, summary.observed_from_utc
        ? t('observedFrom', hhmm(summary.observed_from_utc), summary.totals.trips_unobserved)
        : t('nothingObserved')),
      h('h3', {}, t('chartTitle')),
      h('div', { className: 'ops-legend' },
        h('span', { className: 'ops-key ops-key-completion' }, t('completion')),
        h('span', { className: 'ops-key ops-key-punctuality' }, t('punctuality'))),
      h('div', { className: 'ops-chart-box', id: 'ops-chart' }, barChart(summary.lines)),
      h('h3', {}, t('linesTable')),
      h('div', { className: 'ops-scroll' }, linesTable(summary)),
      h('h3', {}, `${t('missing')} (${summary.missing.length})`),
      h('div', { className: 'ops-scroll' }, missingTable(summary)),
      h('h3', {}, `${t('offRoute')} (${summary.off_route.length})`),
      h('div', { className: 'ops-scroll' }, offRouteTable(summary)),
      h('h3', {}, `${t('overlong')} (${summary.overlong_layovers.length})`),
      h('div', { className: 'ops-scroll' }, overlongTable(summary)),
    );
  }

  function drawVehicles() {
    if (!vehicles) {
      pickRow.replaceChildren();
      return;
    }
    if (!vehicles.length) {
      pickRow.replaceChildren(h('p', { className: 'hint' }, t('noVehicles')));
      options = '';
      return;
    }
    const texts = vehicles.map((v) => [v.vehicle_id, t('vehicleOption', v)]);
    const signature = JSON.stringify(texts);
    if (signature !== options || !pickRow.contains(select)) {
      options = signature;
      select.replaceChildren(
        h('option', { value: '' }, t('choose')),
        ...texts.map(([id, text]) => h('option', { value: id }, text)),
      );
      pickRow.replaceChildren(h('label', { className: 'field' }, h('span', {}, t('pickVehicle')), select));
    }
    select.value = vehicleId || '';
  }

  function drawWaybill() {
    drawVehicles();
    if (!waybill) {
      waybillBox.replaceChildren();
      return;
    }
    waybillBox.replaceChildren(
      h('p', { id: 'ops-waybill-summary' }, t('waybillSummary', waybill)),
      h('p', { className: 'hint' }, t('driverNote')),
      download(`${API}/waybills${dateQuery({ vehicle_id: waybill.vehicle_id, format: 'csv' })}`, t('vehicleWaybill'), 'ops-waybill-csv'),
      h('div', { className: 'ops-scroll' }, waybillTable(waybill)),
    );
  }

  function failed(error) {
    if (!alive || error.status === 401) return;
    status.say(error.status === 503 ? t('off') : `${t('loadError')}: ${error.detail || error.message}`, true);
  }

  async function loadWaybill() {
    if (!vehicleId) {
      waybill = null;
      return;
    }
    try {
      const got = await call('GET', `/operations/waybills${dateQuery({ vehicle_id: vehicleId })}`);
      if (alive) waybill = got.vehicles[0] || null;
    } catch (error) {
      if (error.status !== 404) throw error;
      waybill = null; // no trip of that bus on the day picked
    }
  }

  async function refresh() {
    const asked = day;
    try {
      const [s, v] = await Promise.all([
        call('GET', `/operations/summary${dateQuery()}`),
        call('GET', `/operations/vehicles${dateQuery()}`),
        loadWaybill(),
      ]);
      if (!alive || asked !== day) return;
      summary = s;
      vehicles = v.vehicles;
      status.say(null);
      drawSummary();
      drawWaybill();
      markReady();
    } catch (error) {
      failed(error);
    }
  }

  onLangChange(() => {
    if (alive) frame();
  });
  frame();
  refresh();
  const timer = window.setInterval(() => {
    if (alive) refresh();
  }, refreshSeconds(30) * 1000);
  return {
    unmount() {
      alive = false;
      window.clearInterval(timer);
    },
  };
}

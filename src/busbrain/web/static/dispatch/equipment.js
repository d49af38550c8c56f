// 设备监管 (equipment supervision): are the buses' terminals, GPS, passenger counters and
// card readers working? First the buses silent in service (the alarm), then the online
// rate of the whole fleet as cards, per line and per depot as bars (now and over the
// service day, with the buses whose terminal reports a device fault), how many terminals
// have each problem (click one to list them), and the terminals themselves, problems
// first, with their device faults (camera, GNSS antenna, power … from the JT/T 808 alarm
// word, labelled by the server in Chinese and English), filtered by problem and line,
// downloadable as CSV. Refreshes every 10 s (?refresh=N seconds) without reloading; with a thousand buses
// the table shows the first rows only (the CSV has all), so redrawing stays cheap.

import { call } from './api.js';
import { h, markReady, refreshSeconds, statusLine, table } from './bits.js';
import { getLang, onLangChange, translator } from '../lang.js';
import { localTime } from './text.js';

const API = '/api/v1/dispatch/equipment';
const MAX_ROWS = 200;
const PROBLEMS = ['silent', 'offline', 'no_fix', 'low_satellites', 'jumps', 'stuck', 'clock_skew', 'counter_silent', 'card_silent', 'device_fault'];

const t = translator({
  zh: {
    title: '设备监管',
    loadError: '加载失败',
    off: '设备监管未启用：服务器没有启动设备状态消费者（busbrain serve / demo 会启动）。',
    alarms: '在线路上失联的车辆',
    noAlarms: '没有运营中失联的车辆。',
    onlineNow: '运营车辆在线率',
    onlineDay: '今日在线率',
    inService: '运营中车辆',
    terminals: '终端（在线）',
    silentCount: '失联报警',
    faultCount: '设备故障车辆',
    groupFaults: (n) => `设备故障 ${n} 台`,
    of: (a, b) => `${a}/${b}`,
    byLine: '各线路终端在线率',
    byDepot: '各车场终端在线率',
    chartLabel: (what) => `${what}的条形图：当前与今日在线率；数值见下方终端表和 CSV。`,
    now: '当前',
    day: '今日',
    noData: '暂无运营车辆',
    problemsTitle: '设备问题',
    problem: {
      silent: '运营中失联',
      offline: '运营中离线',
      no_fix: '定位无效多',
      low_satellites: '卫星数不足',
      jumps: '定位漂移',
      stuck: '定位卡死',
      clock_skew: '时钟偏差',
      counter_silent: '客流计数器无数据',
      card_silent: '刷卡机无记录',
      device_fault: '设备故障',
    },
    terminalsTitle: '终端明细',
    filterProblem: '问题',
    filterLine: '线路',
    all: '全部',
    csv: '导出 CSV',
    shown: (n, total) => (n < total ? `显示前 ${n} 台，共 ${total} 台（完整列表请导出 CSV）。` : `共 ${total} 台。`),
    colBus: '车辆',
    colPhone: '终端号',
    colDepot: '车场',
    colLine: '线路',
    colOnline: '在线',
    colAge: '最后上报',
    colFix: '无效定位',
    colSats: '卫星',
    colJumps: '漂移',
    colStuck: '卡死',
    colSkew: '时钟偏差',
    colCounter: '计数器',
    colCard: '最后刷卡',
    colFaults: '设备故障',
    faultSince: (label, at) => `${label}（${at} 起）`,
    colProblems: '问题',
    colSince: '最后上报时间',
    colSilent: '已失联',
    colTrip: '班次',
    yes: '在线',
    no: '离线',
    ago: (s) => (s < 120 ? `${s} 秒前` : s < 7200 ? `${Math.round(s / 60)} 分前` : `${(s / 3600).toFixed(1)} 小时前`),
    seconds: (s) => `${s > 0 ? '+' : ''}${s} 秒`,
    minutes: (m) => `${m} 分钟`,
    never: '从未',
    rules: (r) => `在线率：运营中（执行班次）车辆 ${r.reporting_within_s} 秒内有上报的比例。失联：运营中超过 ${r.silent_in_service_s / 60} 分钟无上报。定位质量按最近 ${r.quality_window_fixes} 个定位：无效或卫星少于 ${r.low_satellites} 颗超过 ${r.poor_share_pct}% 即报；漂移：相邻定位推算速度超过 ${r.jump_speed_kmh} km/h；卡死：车速超过 ${r.stuck_speed_kmh} km/h 时坐标不变。时钟偏差（接收 − 终端时间，正数表示终端时钟慢）超过 ±${r.clock_skew_limit_s} 秒。客流计数器：运营中 ${r.counter_silent_s / 60} 分钟无数据。刷卡机：${r.card_lag_s / 3600} 小时前的运营时间里累计 ${r.card_min_service_s / 3600} 小时无刷卡记录。设备故障：终端最新实时定位（不含盲区补报）的报警标志中置位的故障位（GNSS 模块、天线，主电源，显示屏，TTS，摄像头，IC 卡模块，VSS），起始时间为平台首次收到该位置位的时间。`,
  },
  en: {
    title: 'Equipment',
    loadError: 'Could not load',
    off: 'Equipment supervision is off: the server runs without the equipment consumer (busbrain serve / demo start it).',
    alarms: 'Buses silent in service',
    noAlarms: 'No bus is silent in service.',
    onlineNow: 'Online rate in service',
    onlineDay: 'Online rate today',
    inService: 'Buses in service',
    terminals: 'Terminals (online)',
    silentCount: 'Silent alarms',
    faultCount: 'Buses with a device fault',
    groupFaults: (n) => `${n} with a device fault`,
    of: (a, b) => `${a}/${b}`,
    byLine: 'Terminal online rate by line',
    byDepot: 'Terminal online rate by depot',
    chartLabel: (what) => `Bar chart of ${what}: online rate now and today; the terminal table and CSV have the values.`,
    now: 'now',
    day: 'today',
    noData: 'no bus in service',
    problemsTitle: 'Equipment problems',
    problem: {
      silent: 'Silent in service',
      offline: 'Offline in service',
      no_fix: 'No valid fix',
      low_satellites: 'Few satellites',
      jumps: 'GPS jumps',
      stuck: 'Stuck fixes',
      clock_skew: 'Clock skew',
      counter_silent: 'Passenger counter silent',
      card_silent: 'Card reader silent',
      device_fault: 'Device fault',
    },
    terminalsTitle: 'Terminals',
    filterProblem: 'Problem',
    filterLine: 'Line',
    all: 'all',
    csv: 'Export CSV',
    shown: (n, total) => (n < total ? `Showing the first ${n} of ${total} (export CSV for all).` : `${total} terminals.`),
    colBus: 'Bus',
    colPhone: 'Terminal',
    colDepot: 'Depot',
    colLine: 'Line',
    colOnline: 'Online',
    colAge: 'Last report',
    colFix: 'No fix',
    colSats: 'Satellites',
    colJumps: 'Jumps',
    colStuck: 'Stuck',
    colSkew: 'Clock skew',
    colCounter: 'Counter',
    colCard: 'Last tap',
    colFaults: 'Device faults',
    faultSince: (label, at) => `${label} (since ${at})`,
    colProblems: 'Problems',
    colSince: 'Last report at',
    colSilent: 'Silent for',
    colTrip: 'Trip',
    yes: 'online',
    no: 'offline',
    ago: (s) => (s < 120 ? `${s} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${(s / 3600).toFixed(1)} h ago`),
    seconds: (s) => `${s > 0 ? '+' : ''}${s} s`,
    minutes: (m) => `${m} min`,
    never: 'never',
    rules: (r) => `Online rate: buses in service (on a trip) that reported in the last ${r.reporting_within_s} s. Silent: in service and nothing for over ${r.silent_in_service_s / 60} min. GPS quality over the last ${r.quality_window_fixes} fixes: flagged when over ${r.poor_share_pct}% have no valid fix or fewer than ${r.low_satellites} satellites; jump: implied speed over ${r.jump_speed_kmh} km/h; stuck: same coordinates while moving over ${r.stuck_speed_kmh} km/h. Clock skew (received − terminal time; positive: the terminal's clock is behind) beyond ±${r.clock_skew_limit_s} s. Passenger counter: nothing for ${r.counter_silent_s / 60} min in service. Card reader: ${r.card_min_service_s / 3600} h of service older than ${r.card_lag_s / 3600} h without a stored tap. Device fault: a fault bit (GNSS module or antenna, main power, display, TTS, camera, IC card module, VSS) set in the alarm word of the terminal's latest live fix (not blind-area catch-up); since: when the platform first got it set.`,
  },
});

function pct(value) {
  return value === null || value === undefined ? '—' : `${value.toFixed(1)}%`;
}

function ago(seconds) {
  return seconds === null || seconds === undefined ? t('never') : t('ago', seconds);
}

function hhmm(iso) {
  return iso ? localTime(iso).slice(11, 19) : '—';
}

// A terminal's device faults, in the page's language, each with when it began.
function faultList(faults) {
  if (!faults || !faults.length) return '—';
  const en = getLang() === 'en';
  return faults.map((f, i) => h('span', {
    className: 'eq-fault',
    dataset: { fault: f.code },
    title: f.code,
  }, (i ? (en ? ', ' : '、') : '') + t('faultSince', en ? f.label_en : f.label_zh, hhmm(f.since_utc))));
}

// Two bars per line or depot (online now, online over the day), 0–100 %, with the value
// written: plain elements sized by a custom property.
function rateChart(id, groups, name, what) {
  const chart = h('div', { className: 'eq-chart', id, role: 'img', 'aria-label': t('chartLabel', what) });
  const shown = groups.filter((g) => g.in_service || g.day_samples);
  if (!shown.length) chart.append(h('p', { className: 'hint' }, t('noData')));
  for (const g of shown) {
    const label = name(g);
    const bars = [['online_rate_pct', 'eq-bar-now', 'now'], ['day_online_rate_pct', 'eq-bar-day', 'day']].map(([key, cls, when]) => {
      const value = g[key];
      const bar = h('span', {
        className: `eq-bar ${cls}${value === null ? ' eq-none' : ''}${value !== null && value < 90 ? ' eq-low' : ''}`,
        title: `${label} · ${t(when)} ${pct(value)}`,
        dataset: { value: value === null ? '' : String(value) },
      });
      bar.style.setProperty('--w', `${value === null ? 0 : value}%`);
      const detail = when === 'now' ? ` (${t('of', g.reporting, g.in_service)})` : '';
      return h('span', { className: 'eq-bar-row' }, bar, h('span', { className: 'eq-value' }, pct(value) + detail));
    });
    const faults = g.device_faults ? h('span', { className: 'eq-value eq-group-faults' }, t('groupFaults', g.device_faults)) : null;
    chart.append(h('div', { className: 'eq-chart-row', dataset: { key: g.route_id ?? g.depot ?? '', faults: String(g.device_faults || 0) } },
      h('span', { className: 'eq-label', title: label }, label),
      h('span', { className: 'eq-bars' }, bars, faults)));
  }
  return chart;
}

export function equipmentPage(el) {
  let alive = true;
  let summary = null;
  let rows = null;
  let alarms = null;
  const asked = new URLSearchParams(window.location.hash.split('?')[1] || '');
  let problem = PROBLEMS.includes(asked.get('problem')) ? asked.get('problem') : '';
  let routeId = asked.get('route') || '';
  const status = statusLine('eq-message');

  function remember() {
    const q = new URLSearchParams();
    if (problem) q.set('problem', problem);
    if (routeId) q.set('route', routeId);
    const text = q.toString();
    window.history.replaceState(null, '', `#/equipment${text ? `?${text}` : ''}`);
  }

  function query(extra = {}) {
    const q = new URLSearchParams();
    if (problem) q.set('problem', problem);
    if (routeId) q.set('route_id', routeId);
    for (const [k, v] of Object.entries(extra)) q.set(k, v);
    const text = q.toString();
    return text ? `?${text}` : '';
  }

  function card(id, name, value, detail, level = '') {
    return h('div', { className: `eq-card${level ? ` eq-${level}` : ''}`, id },
      h('span', { className: 'eq-card-name' }, name),
      h('strong', { className: 'eq-card-value' }, value),
      detail ? h('span', { className: 'eq-card-detail' }, detail) : null);
  }

  function rateLevel(value) {
    if (value === null || value === undefined) return '';
    return value < 90 ? 'bad' : value < 98 ? 'warn' : 'good';
  }

  function cards(s) {
    const x = s.totals;
    return h('div', { className: 'eq-cards', id: 'eq-cards' },
      card('eq-card-online-now', t('onlineNow'), pct(x.online_rate_pct), t('of', x.reporting, x.in_service), rateLevel(x.online_rate_pct)),
      card('eq-card-online-day', t('onlineDay'), pct(x.day_online_rate_pct), null, rateLevel(x.day_online_rate_pct)),
      card('eq-card-in-service', t('inService'), String(x.in_service)),
      card('eq-card-terminals', t('terminals'), t('of', x.online, x.terminals)),
      card('eq-card-silent', t('silentCount'), String(s.alarms), null, s.alarms ? 'bad' : 'good'),
      card('eq-card-faults', t('faultCount'), String(s.problems.device_fault || 0), null, s.problems.device_fault ? 'warn' : 'good'));
  }

  function problemBars(s) {
    const most = Math.max(1, ...PROBLEMS.map((p) => s.problems[p] || 0));
    return h('div', { className: 'eq-problems', id: 'eq-problems' }, PROBLEMS.map((p) => {
      const n = s.problems[p] || 0;
      const bar = h('span', { className: `eq-pbar${n ? '' : ' eq-none'}` });
      bar.style.setProperty('--w', `${(100 * n) / most}%`);
      return h('button', {
        type: 'button',
        className: `eq-problem${problem === p ? ' eq-picked' : ''}`,
        dataset: { problem: p, count: String(n) },
        'aria-pressed': problem === p ? 'true' : 'false',
        onclick: () => pickProblem(problem === p ? '' : p),
      }, h('span', { className: 'eq-problem-name' }, t('problem', p)), h('span', { className: 'eq-pbar-track' }, bar), h('strong', {}, String(n)));
    }));
  }

  function alarmsTable(list) {
    const tb = table('eq-alarms', [t('colBus'), t('colLine'), t('colTrip'), t('colDepot'), t('colPhone'), t('colSince'), t('colSilent')]);
    tb.tbody.append(...list.map((a) => h('tr', { dataset: { vehicle: a.vehicle_id } },
      h('th', { scope: 'row' }, a.plate || a.vehicle_id), h('td', {}, a.line || '—'), h('td', {}, a.trip_id || '—'),
      h('td', {}, a.depot || '—'), h('td', {}, a.phone), h('td', {}, hhmm(a.since_utc)),
      h('td', { className: 'warn' }, a.age_s === null ? t('never') : t('minutes', Math.round(a.age_s / 60))))));
    if (!list.length) tb.tbody.append(h('tr', {}, h('td', { colSpan: 7, className: 'hint' }, t('noAlarms'))));
    return tb.el;
  }

  function terminalsTable(list) {
    const tb = table('eq-terminals', [
      t('colBus'), t('colPhone'), t('colDepot'), t('colLine'), t('colOnline'), t('colAge'), t('colFix'),
      t('colSats'), t('colJumps'), t('colStuck'), t('colSkew'), t('colCounter'), t('colCard'), t('colFaults'), t('colProblems'),
    ]);
    tb.tbody.append(...list.slice(0, MAX_ROWS).map((r) => {
      const bad = new Set(r.problems);
      return h('tr', { dataset: { vehicle: r.vehicle_id, problems: r.problems.join(' ') } },
        h('th', { scope: 'row' }, r.plate || r.vehicle_id),
        h('td', {}, r.phone), h('td', {}, r.depot || '—'), h('td', {}, r.in_service ? (r.line || r.route_id) : '—'),
        h('td', { className: r.online ? '' : 'warn' }, t(r.online ? 'yes' : 'no')),
        h('td', { className: bad.has('silent') ? 'warn' : '' }, ago(r.last_report_age_s)),
        h('td', { className: bad.has('no_fix') ? 'warn' : '' }, pct(r.invalid_fix_pct)),
        h('td', { className: bad.has('low_satellites') ? 'warn' : '' }, r.satellites ?? '—'),
        h('td', { className: r.jumps ? 'warn' : '' }, r.jumps),
        h('td', { className: r.stuck ? 'warn' : '' }, r.stuck),
        h('td', { className: bad.has('clock_skew') ? 'warn' : '' }, r.clock_skew_s === null ? '—' : t('seconds', r.clock_skew_s)),
        h('td', { className: bad.has('counter_silent') ? 'warn' : '' }, ago(r.counter_age_s)),
        h('td', { className: bad.has('card_silent') ? 'warn' : '' }, r.last_tap_utc ? hhmm(r.last_tap_utc) : '—'),
        h('td', { className: `eq-faults${bad.has('device_fault') ? ' warn' : ''}` }, faultList(r.faults)),
        h('td', {}, r.problems.map((p) => t('problem', p)).join('、') || '—'));
    }));
    return tb.el;
  }

  // Controls kept across refreshes (a refresh must not take the focus or close a menu).
  const problemSelect = h('select', { id: 'eq-problem' });
  problemSelect.addEventListener('change', () => pickProblem(problemSelect.value));
  const lineSelect = h('select', { id: 'eq-line' });
  lineSelect.addEventListener('change', () => {
    routeId = lineSelect.value;
    remember();
    loadRows();
  });
  const alarmsBox = h('div', { id: 'eq-alarms-box' });
  const summaryBox = h('div', { id: 'eq-summary' });
  const rowsBox = h('div', { id: 'eq-rows' });
  const csvLink = h('a', { className: 'pill eq-csv', id: 'eq-csv', download: '' });
  let lineOptions = '';

  function pickProblem(next) {
    problem = next;
    remember();
    drawSummary();
    loadRows();
  }

  function fillSelects() {
    problemSelect.replaceChildren(h('option', { value: '' }, t('all')), ...PROBLEMS.map((p) => h('option', { value: p }, t('problem', p))));
    problemSelect.value = problem;
    const lines = summary ? summary.lines.filter((ln) => ln.route_id) : [];
    const signature = JSON.stringify([lines.map((ln) => ln.route_id), t('all')]);
    if (signature !== lineOptions) {
      lineOptions = signature;
      lineSelect.replaceChildren(h('option', { value: '' }, t('all')), ...lines.map((ln) => h('option', { value: ln.route_id }, ln.line || ln.route_id)));
    }
    if (routeId && !lines.some((ln) => ln.route_id === routeId)) lineSelect.append(h('option', { value: routeId }, routeId));
    lineSelect.value = routeId;
  }

  function frame() {
    lineOptions = '';
    el.replaceChildren(
      h('h2', {}, t('title')),
      status,
      h('h3', {}, t('alarms')),
      alarmsBox,
      summaryBox,
      h('h3', {}, t('terminalsTitle')),
      h('div', { className: 'eq-toolbar' },
        h('label', { className: 'field' }, h('span', {}, t('filterProblem')), problemSelect),
        h('label', { className: 'field' }, h('span', {}, t('filterLine')), lineSelect),
        csvLink),
      rowsBox,
    );
    drawAlarms();
    drawSummary();
    drawRows();
  }

  function drawAlarms() {
    alarmsBox.replaceChildren(alarms ? h('div', { className: 'eq-scroll eq-alarm-box' }, alarmsTable(alarms)) : '');
  }

  function drawSummary() {
    fillSelects();
    if (!summary) {
      summaryBox.replaceChildren();
      return;
    }
    const lineName = (g) => g.line || g.route_id || '?';
    const depotName = (g) => g.depot || '—';
    summaryBox.replaceChildren(
      cards(summary),
      h('div', { className: 'eq-legend' },
        h('span', { className: 'eq-key eq-key-now' }, t('now')),
        h('span', { className: 'eq-key eq-key-day' }, t('day'))),
      h('div', { className: 'eq-charts' },
        h('section', { className: 'eq-chart-box' }, h('h3', {}, t('byLine')), rateChart('eq-lines', summary.lines, lineName, t('byLine'))),
        h('section', { className: 'eq-chart-box' }, h('h3', {}, t('byDepot')), rateChart('eq-depots', summary.depots, depotName, t('byDepot'))),
        h('section', { className: 'eq-chart-box' }, h('h3', {}, t('problemsTitle')), problemBars(summary))),
      h('p', { className: 'hint', id: 'eq-rules' }, t('rules', summary.rules)),
    );
  }

  function drawRows() {
    csvLink.href = `${API}/terminals${query({ format: 'csv' })}`;
    csvLink.textContent = t('csv');
    if (!rows) {
      rowsBox.replaceChildren();
      return;
    }
    rowsBox.replaceChildren(
      h('p', { className: 'hint', id: 'eq-count' }, t('shown', Math.min(rows.length, MAX_ROWS), rows.length)),
      h('div', { className: 'eq-scroll' }, terminalsTable(rows)),
    );
  }

  function failed(error) {
    if (!alive || error.status === 401) return;
    status.say(error.status === 503 ? t('off') : `${t('loadError')}: ${error.detail || error.message}`, true);
  }

  async function loadRows() {
    const wanted = query();
    try {
      const got = await call('GET', `/equipment/terminals${wanted}`);
      if (!alive || wanted !== query()) return;
      rows = got.terminals;
      drawRows();
    } catch (error) {
      failed(error);
    }
  }

  async function refresh() {
    const wanted = query();
    try {
      const [s, a, r] = await Promise.all([
        call('GET', '/equipment/summary'),
        call('GET', '/equipment/alarms'),
        call('GET', `/equipment/terminals${wanted}`),
      ]);
      if (!alive) return;
      summary = s;
      alarms = a.alarms;
      if (wanted === query()) rows = r.terminals;
      status.say(null);
      drawAlarms();
      drawSummary();
      drawRows();
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
  }, refreshSeconds(10) * 1000);
  return {
    unmount() {
      alive = false;
      window.clearInterval(timer);
    },
  };
}

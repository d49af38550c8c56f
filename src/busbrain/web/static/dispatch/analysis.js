// 数据分析 (analysis): ridership (boardings = fare taps) by hour, payment channel, line and
// stop; running times by segment (median with the 85th percentile marked); boardings along
// the line and the load on board (counted by the passenger counters, else for one day
// inferred from the OD by trip chaining); revenue
// mileage by line and by bus. Charts first, the tables below them, every table downloads as
// CSV. Pick the service days (at most 31) and a line; the page asks the server again only
// when they change (past days do not move). The page has its own strings (translator from
// ../lang.js) and redraws when the language changes.

import { call } from './api.js';
import { h, markReady, statusLine, svg, table } from './bits.js';
import { onLangChange, translator } from '../lang.js';

const API = '/api/v1/dispatch/analysis';
const TOP_VEHICLES = 50;

const t = translator({
  zh: {
    title: '数据分析',
    from: '开始日期',
    to: '结束日期',
    line: '线路',
    allLines: '全部线路',
    direction: '方向',
    dirs: { 0: '上行', 1: '下行' },
    loadError: '加载失败',
    off: '数据分析未启用：服务器没有刷卡记录或实时历史记录。',
    taps: '刷卡客流',
    fare: '票款收入',
    unmatched: '未匹配线路',
    revenueKm: '营运里程',
    yuan: (v) => `${v} 元`,
    km: (v) => `${v} 公里`,
    ridership: '客流',
    byHour: '分时客流（运营日小时，24 点以后为次日凌晨）',
    byHourLabel: '各小时刷卡客流柱状图；数值见下方 CSV。',
    byChannel: '支付方式',
    byChannelLabel: '各支付方式客流条形图。',
    byLine: '各线路客流',
    byLineLabel: '各线路客流条形图。',
    byStop: '各站上车客流',
    unmatchedRow: '未匹配（附近无到离站记录）',
    unmatchedNote: (n) => `${n} 次刷卡在其车辆的到离站记录附近找不到站点，计入分时与支付方式，不计入线路与站点。`,
    channels: { ic_card: '普通 IC 卡', senior_card: '老年卡', unionpay: '银联卡', wechat: '微信', alipay: '支付宝', yunshanfu: '云闪付', cash: '现金' },
    running: '路段运行时间',
    runningLabel: '各路段运行时间中位数条形图，竖线为第 85 百分位。',
    runningNote: '运行时间 = 到达下一站时刻 − 本站离站时刻；条为中位数，竖线为 85% 分位。',
    profile: '沿线客流',
    profileLabel: '沿线各站上车人数条形图，有载客推算时以竖线标出离站断面平均载客。',
    boardingsNote: '上车人数来自刷卡，不是车内人数（刷卡只记上车，不记下车）。',
    loadNote: (p) => `断面载客由 OD 推算（刷卡链推算下车站并扩样到全部上车），当日 ${p}% 的上车进入推算。`,
    loadSpan: '断面载客只按单日推算：请选择同一天。',
    loadCounted: '断面载客来自车载客流计数器（APC）：各趟离站时车上人数的平均值与最高值。',
    loadNone: '这一天没有可推算的载客。',
    boardingsKey: '上车人数',
    loadKey: '断面平均载客',
    mileage: '营运里程',
    mileageLabel: '各线路营运里程条形图。',
    byVehicle: (n) => `各车辆营运里程（前 ${n} 辆）`,
    pickLine: '选择一条线路以查看路段运行时间与沿线客流。',
    noData: '无数据',
    csv: '导出 CSV',
    colLine: '线路', colStop: '站点', colHour: '小时', colChannel: '支付方式', colBoardings: '上车人次',
    colFare: '票款（元）', colShare: '占比', colFrom: '起点站', colTo: '终点站', colRuns: '趟数',
    colMedian: '中位数', colP85: '85% 分位', colLength: '距离（米）', colDist: '里程（公里）',
    colPerTrip: '每趟上车', colMeanLoad: '平均载客', colMaxLoad: '最高载客', colTrips: '趟次',
    colKm: '营运公里', colUnmeasured: '未测趟次', colVehicle: '车辆',
    minutes: (s) => `${(s / 60).toFixed(1)} 分`,
    hourTick: (hr) => `${hr}`,
  },
  en: {
    title: 'Analysis',
    from: 'From',
    to: 'To',
    line: 'Line',
    allLines: 'All lines',
    direction: 'Direction',
    dirs: { 0: 'Outbound', 1: 'Inbound' },
    loadError: 'Could not load',
    off: 'Analysis is off: the server has no fare taps or no real-time history.',
    taps: 'Boardings (taps)',
    fare: 'Fare revenue',
    unmatched: 'Not matched to a line',
    revenueKm: 'Revenue mileage',
    yuan: (v) => `¥${v}`,
    km: (v) => `${v} km`,
    ridership: 'Ridership',
    byHour: 'Boardings by hour of the service day (24 and later: after midnight)',
    byHourLabel: 'Column chart of boardings by hour; the CSV has the values.',
    byChannel: 'Payment channel',
    byChannelLabel: 'Bar chart of boardings by payment channel.',
    byLine: 'Boardings by line',
    byLineLabel: 'Bar chart of boardings by line.',
    byStop: 'Boardings by stop',
    unmatchedRow: 'Not matched (no stop call near)',
    unmatchedNote: (n) => `${n} taps are near no stop call of their bus: counted by hour and channel, not by line or stop.`,
    channels: { ic_card: 'IC card', senior_card: 'Senior card', unionpay: 'UnionPay card', wechat: 'WeChat', alipay: 'Alipay', yunshanfu: 'Yunshanfu', cash: 'Cash' },
    running: 'Running times by segment',
    runningLabel: 'Bar chart of the median running time per segment, the 85th percentile marked by a tick.',
    runningNote: 'Running time = arrival at the next stop − departure from this one; bar: median, tick: 85th percentile.',
    profile: 'Along the line',
    profileLabel: 'Bar chart of boardings per stop along the line, the mean load leaving each stop marked when inferred.',
    boardingsNote: 'Boardings come from fare taps: they are not the riders on board (taps record boarding only).',
    loadNote: (p) => `Load on board is inferred from the OD (trip chaining, expanded to every boarding); ${p}% of the day's boardings went into it.`,
    loadSpan: 'Loads are inferred one day at a time: pick a single day.',
    loadCounted: 'Load on board is counted by the buses\' passenger counters (APC): the mean and highest riders on board leaving each stop over the trips counted.',
    loadNone: 'No load could be inferred for this day.',
    boardingsKey: 'Boardings',
    loadKey: 'Mean load leaving the stop',
    mileage: 'Revenue mileage',
    mileageLabel: 'Bar chart of revenue mileage by line.',
    byVehicle: (n) => `Revenue mileage by bus (top ${n})`,
    pickLine: 'Pick a line for its running times and the profile along it.',
    noData: 'no data',
    csv: 'Export CSV',
    colLine: 'Line', colStop: 'Stop', colHour: 'Hour', colChannel: 'Channel', colBoardings: 'Boardings',
    colFare: 'Fares (¥)', colShare: 'Share', colFrom: 'From', colTo: 'To', colRuns: 'Runs',
    colMedian: 'Median', colP85: '85th pct', colLength: 'Length (m)', colDist: 'km along',
    colPerTrip: 'Per trip', colMeanLoad: 'Mean load', colMaxLoad: 'Highest load', colTrips: 'Trips',
    colKm: 'Revenue km', colUnmeasured: 'Unmeasured trips', colVehicle: 'Bus',
    minutes: (s) => `${(s / 60).toFixed(1)} min`,
    hourTick: (hr) => `${hr}`,
  },
});


const fmt = (v, digits = 0) => (v === null || v === undefined ? '—' : Number(v).toFixed(digits));
const channelName = (c) => t('channels', c);
const lineName = (row) => (row.route_id ? row.line || row.route_id : t('unmatchedRow'));

// Columns over the hours of the service day (every hour from the first to the last shown,
// empty ones too, so gaps are visible).
function hourChart(rows) {
  if (!rows.length) return h('p', { className: 'hint' }, t('noData'));
  const hours = rows.map((r) => r.hour);
  const lo = Math.min(...hours);
  const hi = Math.max(...hours);
  const by = new Map(rows.map((r) => [r.hour, r.boardings]));
  const top = Math.max(...rows.map((r) => r.boardings), 1);
  const col = 26;
  const plot = 150;
  const width = 50 + (hi - lo + 1) * col;
  const height = plot + 40;
  const ticks = [0, 0.5, 1].map((v) => svg('g', {},
    svg('line', { x1: 40, x2: width, y1: 10 + plot * (1 - v), y2: 10 + plot * (1 - v), class: 'ana-grid' }),
    svg('text', { x: 36, y: 14 + plot * (1 - v), class: 'ana-axis', 'text-anchor': 'end' }, Math.round(top * v))));
  const bars = [];
  for (let hr = lo; hr <= hi; hr += 1) {
    const n = by.get(hr) || 0;
    const x = 44 + (hr - lo) * col;
    const hgt = (n / top) * plot;
    bars.push(svg('g', { class: 'ana-col', 'data-hour': hr },
      svg('title', {}, `${String(hr).padStart(2, '0')}:00 · ${n}`),
      svg('rect', { x, y: 10 + plot - hgt, width: col - 6, height: hgt, class: 'ana-bar' }),
      svg('text', { x: x + (col - 6) / 2, y: plot + 26, class: 'ana-axis', 'text-anchor': 'middle' }, t('hourTick', hr))));
  }
  return svg('svg', { id: 'ana-hour-chart', class: 'ana-chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': t('byHourLabel') }, ticks, bars);
}

// Horizontal bars, one row per item: value as the bar, an optional mark (a tick) drawn
// over it (the 85th percentile, or the load), the value written at the end.
function barRows(id, items, { label, value, mark, text, aria, markClass = 'ana-mark' }) {
  if (!items.length) return h('p', { className: 'hint' }, t('noData'));
  const labelW = 150;
  const plot = 360;
  const row = 22;
  const top = Math.max(...items.map((it) => Math.max(value(it) || 0, mark ? mark(it) || 0 : 0)), 1e-9);
  const width = labelW + plot + 170;
  const height = items.length * row + 8;
  const rows = items.map((it, k) => {
    const y = 4 + k * row;
    const v = value(it) || 0;
    const m = mark ? mark(it) : null;
    return svg('g', { class: 'ana-row', 'data-key': it.key ?? '' },
      svg('title', {}, `${label(it)} · ${text(it)}`),
      svg('text', { x: labelW - 6, y: y + 14, class: 'ana-axis', 'text-anchor': 'end' }, label(it).slice(0, 22)),
      svg('rect', { x: labelW, y: y + 3, width: (v / top) * plot, height: row - 8, class: 'ana-bar' }),
      m === null || m === undefined ? null
        : svg('line', { x1: labelW + (m / top) * plot, x2: labelW + (m / top) * plot, y1: y, y2: y + row - 2, class: markClass }),
      svg('text', { x: labelW + (Math.max(v, m || 0) / top) * plot + 6, y: y + 14, class: 'ana-axis' }, text(it)));
  });
  return svg('svg', { id, class: 'ana-chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': aria }, rows);
}

function gridTable(id, headings, rows) {
  const tb = table(id, headings);
  tb.tbody.append(...rows.map((cells) => h('tr', {}, cells.map((c, k) => (k === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c))))));
  if (!rows.length) tb.tbody.append(h('tr', {}, h('td', { colSpan: headings.length, className: 'hint' }, t('noData'))));
  return h('div', { className: 'ana-scroll' }, tb.el);
}

export function analysisPage(el) {
  let alive = true;
  const asked = new URLSearchParams(window.location.hash.split('?')[1] || '');
  const isDay = (s) => /^\d{4}-\d{2}-\d{2}$/.test(s || '');
  // No day asked: the server's today (its clock may be a simulated one), learnt from the
  // first answer.
  let from = isDay(asked.get('from')) ? asked.get('from') : '';
  let to = isDay(asked.get('to')) ? asked.get('to') : from;
  let routeId = asked.get('line') || '';
  let direction = asked.get('dir') === '1' ? 1 : 0;
  let lines = [];
  let data = {};
  let version = 0;

  function remember() {
    const q = new URLSearchParams();
    if (from) q.set('from', from);
    if (to) q.set('to', to);
    if (routeId) q.set('line', routeId);
    if (direction) q.set('dir', String(direction));
    window.history.replaceState(null, '', `#/analysis?${q}`);
  }

  function query(extra = {}) {
    const q = new URLSearchParams();
    if (from) q.set('from', from);
    if (to) q.set('to', to || from);
    for (const [k, v] of Object.entries(extra)) if (v !== null && v !== undefined && v !== '') q.set(k, v);
    return `?${q}`;
  }

  const download = (path, extra, id) => h('a', { className: 'pill ana-csv', href: `${API}${path}${query({ ...extra, format: 'csv' })}`, download: '', id }, t('csv'));

  const status = statusLine('ana-message');
  const fromPick = h('input', { type: 'date', id: 'ana-from', value: from });
  const toPick = h('input', { type: 'date', id: 'ana-to', value: to });
  const linePick = h('select', { id: 'ana-line' });
  const dirPick = h('select', { id: 'ana-direction' });
  const body = h('div', { id: 'ana-body' });

  fromPick.addEventListener('change', () => {
    from = fromPick.value;
    if (!to || to < from) {
      to = from;
      toPick.value = to;
    }
    changed();
  });
  toPick.addEventListener('change', () => {
    to = toPick.value || from;
    changed();
  });
  linePick.addEventListener('change', () => {
    routeId = linePick.value;
    changed();
  });
  dirPick.addEventListener('change', () => {
    direction = Number(dirPick.value) || 0;
    changed();
  });

  function changed() {
    remember();
    refresh();
  }

  function fillPickers() {
    linePick.replaceChildren(
      h('option', { value: '' }, t('allLines')),
      ...lines.map((ln) => h('option', { value: ln.route_id }, ln.line || ln.route_id)),
    );
    linePick.value = routeId;
    dirPick.replaceChildren(...[0, 1].map((d) => h('option', { value: String(d) }, t('dirs', d))));
    dirPick.value = String(direction);
  }

  function frame() {
    fillPickers();
    el.replaceChildren(
      h('h2', {}, t('title')),
      status,
      h('div', { className: 'ana-toolbar' },
        h('label', { className: 'field' }, h('span', {}, t('from')), fromPick),
        h('label', { className: 'field' }, h('span', {}, t('to')), toPick),
        h('label', { className: 'field' }, h('span', {}, t('line')), linePick),
        h('label', { className: 'field' }, h('span', {}, t('direction')), dirPick)),
      body,
    );
    draw();
  }

  function card(id, name, value) {
    return h('div', { className: 'ana-card', id }, h('span', { className: 'ana-card-name' }, t(name)), h('strong', {}, value));
  }

  function section(title, ...children) {
    return h('section', { className: 'ana-section' }, h('h3', {}, title), children.flat(2));
  }

  function ridershipPart() {
    const { hours, channels, byLine, byStop } = data;
    if (!hours) return null;
    const parts = [
      h('div', { className: 'ana-scroll' }, hourChart(hours.rows)),
      download('/ridership', { by: 'hour', route_id: routeId }, 'ana-hour-csv'),
      h('h4', {}, t('byChannel')),
      barRows('ana-channel-chart', channels.rows.map((r) => ({ ...r, key: r.channel })), {
        label: (r) => channelName(r.channel), value: (r) => r.boardings,
        text: (r) => `${r.boardings} · ${fmt(r.share_pct, 1)}% · ${t('yuan', fmt(r.fare_yuan, 2))}`, aria: t('byChannelLabel'),
      }),
      gridTable('ana-channels', [t('colChannel'), t('colBoardings'), t('colShare'), t('colFare')],
        channels.rows.map((r) => [channelName(r.channel), r.boardings, `${fmt(r.share_pct, 1)}%`, fmt(r.fare_yuan, 2)])),
      download('/ridership', { by: 'channel', route_id: routeId }, 'ana-channel-csv'),
    ];
    if (!routeId && byLine) {
      parts.push(
        h('h4', {}, t('byLine')),
        barRows('ana-line-chart', byLine.rows.map((r) => ({ ...r, key: r.route_id || '' })), {
          label: lineName, value: (r) => r.boardings, text: (r) => `${r.boardings} · ${fmt(r.share_pct, 1)}%`, aria: t('byLineLabel'),
        }),
        gridTable('ana-lines', [t('colLine'), t('colBoardings'), t('colShare'), t('colFare')],
          byLine.rows.map((r) => [lineName(r), r.boardings, `${fmt(r.share_pct, 1)}%`, fmt(r.fare_yuan, 2)])),
        download('/ridership', { by: 'line' }, 'ana-line-csv'),
        download('/ridership', { by: 'line_hour' }, 'ana-line-hour-csv'),
      );
    }
    if (routeId && byStop) {
      parts.push(
        h('h4', {}, t('byStop')),
        gridTable('ana-stops', [t('colStop'), t('colBoardings'), t('colShare'), t('colFare')],
          byStop.rows.map((r) => [r.stop || r.stop_id, r.boardings, `${fmt(r.share_pct, 1)}%`, fmt(r.fare_yuan, 2)])),
        download('/ridership', { by: 'stop', route_id: routeId }, 'ana-stop-csv'),
      );
    }
    return section(`${t('ridership')} · ${t('byHour')}`, parts);
  }

  function runningPart() {
    const rt = data.running;
    if (!rt) return null;
    return section(`${t('running')} · ${rt.line || rt.route_id} ${t('dirs', rt.direction_id)}${rt.headsign ? ` → ${rt.headsign}` : ''}`,
      h('p', { className: 'hint' }, t('runningNote')),
      h('div', { className: 'ana-scroll' }, barRows('ana-running-chart', rt.segments.map((s) => ({ ...s, key: `${s.from_stop_id}>${s.to_stop_id}` })), {
        label: (s) => `${s.from_stop} → ${s.to_stop}`, value: (s) => s.median_s, mark: (s) => s.p85_s,
        text: (s) => `${t('minutes', s.median_s)} / ${t('minutes', s.p85_s)} (${s.runs})`, aria: t('runningLabel'),
      })),
      gridTable('ana-running', [t('colFrom'), t('colTo'), t('colLength'), t('colRuns'), t('colMedian'), t('colP85')],
        rt.segments.map((s) => [s.from_stop, s.to_stop, fmt(s.length_m), s.runs, t('minutes', s.median_s), t('minutes', s.p85_s)])),
      download('/running-times', { route_id: routeId, direction_id: direction }, 'ana-running-csv'));
  }

  function profilePart() {
    const p = data.profile;
    if (!p) return null;
    const leaving = new Map((p.load || []).map((x) => [x.from_stop_id, x]));
    const notes = [h('p', { className: 'hint' }, t('boardingsNote'))];
    if (p.load && p.load.length && p.load_source === 'passenger_counter') notes.push(h('p', { className: 'hint', id: 'ana-load-note', dataset: { source: p.load_source } }, t('loadCounted')));
    else if (p.load && p.load.length) notes.push(h('p', { className: 'hint', id: 'ana-load-note' }, t('loadNote', fmt(p.represented_share_pct, 1))));
    else notes.push(h('p', { className: 'hint', id: 'ana-load-note' }, t(p.from === p.to ? 'loadNone' : 'loadSpan')));
    const hasLoad = Boolean(p.load && p.load.length);
    const headings = [t('colStop'), t('colDist'), t('colBoardings'), t('colPerTrip')];
    if (hasLoad) headings.push(t('colMeanLoad'), t('colMaxLoad'));
    return section(`${t('profile')} · ${p.line || p.route_id} ${t('dirs', p.direction_id)}${p.headsign ? ` → ${p.headsign}` : ''}`,
      notes,
      h('p', { className: 'ana-legend' }, h('span', { className: 'ana-key ana-key-bar' }, t('boardingsKey')),
        hasLoad ? h('span', { className: 'ana-key ana-key-load' }, t('loadKey')) : null),
      h('div', { className: 'ana-scroll' }, barRows('ana-profile-chart', p.stops.map((s) => ({ ...s, key: s.stop_id })), {
        label: (s) => s.stop || s.stop_id, value: (s) => s.boardings, mark: hasLoad ? (s) => leaving.get(s.stop_id)?.mean_load ?? null : null,
        markClass: 'ana-load', aria: t('profileLabel'),
        text: (s) => (leaving.has(s.stop_id) ? `${s.boardings} · ${fmt(leaving.get(s.stop_id).mean_load, 1)}` : `${s.boardings}`),
      })),
      gridTable('ana-profile', headings, p.stops.map((s) => {
        const cells = [s.stop || s.stop_id, fmt(s.dist_km, 2), s.boardings, fmt(s.per_trip, 2)];
        if (hasLoad) cells.push(fmt(leaving.get(s.stop_id)?.mean_load, 1), fmt(leaving.get(s.stop_id)?.max_load, 0));
        return cells;
      })),
      download('/profile', { route_id: routeId, direction_id: direction }, 'ana-profile-csv'));
  }

  function mileagePart() {
    const { mileLines, mileBuses } = data;
    if (!mileLines) return null;
    return section(t('mileage'),
      barRows('ana-mileage-chart', mileLines.rows.map((r) => ({ ...r, key: r.route_id })), {
        label: lineName, value: (r) => r.revenue_km, text: (r) => `${t('km', fmt(r.revenue_km, 1))} · ${r.trips}`, aria: t('mileageLabel'),
      }),
      gridTable('ana-mileage', [t('colLine'), t('colTrips'), t('colKm'), t('colUnmeasured')],
        mileLines.rows.map((r) => [lineName(r), r.trips, fmt(r.revenue_km, 2), r.unmeasured])),
      download('/mileage', { by: 'line' }, 'ana-mileage-csv'),
      h('h4', {}, t('byVehicle', TOP_VEHICLES)),
      gridTable('ana-mileage-buses', [t('colVehicle'), t('colTrips'), t('colKm'), t('colUnmeasured')],
        mileBuses.rows.slice(0, TOP_VEHICLES).map((r) => [r.vehicle_id, r.trips, fmt(r.revenue_km, 2), r.unmeasured])),
      download('/mileage', { by: 'vehicle' }, 'ana-mileage-bus-csv'));
  }

  function draw() {
    const cards = [];
    if (data.hours) {
      cards.push(card('ana-taps', 'taps', String(data.hours.taps)), card('ana-fare', 'fare', t('yuan', fmt(data.hours.fare_yuan, 2))));
      if (data.byLine && data.byLine.unmatched !== null) cards.push(card('ana-unmatched', 'unmatched', String(data.byLine.unmatched)));
    }
    if (data.mileLines) cards.push(card('ana-km', 'revenueKm', t('km', fmt(data.mileLines.revenue_km, 1))));
    const unmatched = data.byLine?.unmatched;
    body.replaceChildren(...[
      h('div', { className: 'ana-cards' }, cards),
      unmatched ? h('p', { className: 'hint' }, t('unmatchedNote', unmatched)) : null,
      ridershipPart(),
      routeId ? runningPart() : h('p', { className: 'hint', id: 'ana-pick-line' }, t('pickLine')),
      routeId ? profilePart() : null,
      mileagePart(),
    ].filter(Boolean));
  }

  function failed(error) {
    if (!alive || error.status === 401) return;
    status.say(error.status === 503 ? t('off') : `${t('loadError')}: ${error.detail || error.message}`, true);
  }

  // Each part on its own: a server without fare taps still shows running times and mileage.
  async function refresh() {
    const mine = ++version;
    data = {};
    status.say(null);
    draw();
    const got = {};
    const jobs = [
      ['hours', `/analysis/ridership${query({ by: 'hour', route_id: routeId })}`],
      ['channels', `/analysis/ridership${query({ by: 'channel', route_id: routeId })}`],
      ['mileLines', `/analysis/mileage${query({ by: 'line' })}`],
      ['mileBuses', `/analysis/mileage${query({ by: 'vehicle' })}`],
    ];
    if (routeId) {
      jobs.push(['byStop', `/analysis/ridership${query({ by: 'stop', route_id: routeId })}`]);
      jobs.push(['running', `/analysis/running-times${query({ route_id: routeId, direction_id: direction })}`]);
      jobs.push(['profile', `/analysis/profile${query({ route_id: routeId, direction_id: direction })}`]);
    } else {
      jobs.push(['byLine', `/analysis/ridership${query({ by: 'line' })}`]);
    }
    const results = await Promise.allSettled(jobs.map(([, path]) => call('GET', path)));
    if (!alive || mine !== version) return;
    let problem = null;
    results.forEach((r, k) => {
      if (r.status === 'fulfilled') got[jobs[k][0]] = r.value;
      else problem = problem || r.reason;
    });
    data = got;
    const any = Object.values(got)[0];
    if (any && !from) {
      from = any.from;
      to = any.to;
      fromPick.value = from;
      toPick.value = to;
    }
    if (problem) failed(problem);
    draw();
    markReady();
  }

  async function loadLines() {
    try {
      lines = (await call('GET', '/lines')).lines;
    } catch (error) {
      lines = [];
      if (error.status !== 403) failed(error);
    }
    if (alive) fillPickers();
  }

  onLangChange(() => {
    if (alive) frame();
  });
  frame();
  loadLines().then(refresh);
  return {
    unmount() {
      alive = false;
    },
  };
}

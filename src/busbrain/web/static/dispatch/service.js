// 服务监管 (service supervision): how the day's service went for riders. Pick a day and a
// line (or all): on-time performance as figures and charts (by hour, stacked early /
// on time / late; by line), prediction accuracy by horizon band per method, then the
// incidents as lists: late and early departures, 越站 / 甩站 (skipped stops), 滞站
// (overlong dwells), and 满载率, which says so plainly while no passenger counter
// feeds it. Each list can be downloaded as CSV. Refreshes every 60 s (?refresh=N).
//
// Definitions (busbrain.oversight.service): early = departing > 1 min before the
// schedule, late = > 5 min after (arrival at the last stop); 越站 = went by without
// stopping; 甩站 = no record at a stop of a trip seen before and after it; 滞站 = dwell
// more than 2 min beyond the planned one; accurate prediction = MBTA's window per band.

import { call } from './api.js';
import { h, markReady, refreshSeconds, statusLine, svg, table } from './bits.js';
import { onLangChange, translator } from '../lang.js';
import { localTime, t as shared } from './text.js';

const STRINGS = {
  zh: {
    title: '服务监管',
    day: '日期',
    line: '线路',
    allLines: '全部线路',
    reload: '刷新',
    asOf: (when) => `统计至 ${when}`,
    window: '早点：发车早于计划 1 分钟以上；晚点：晚于计划 5 分钟以上（终点站按到站计）。',
    otp: '准点率',
    early: '早点',
    onTime: '准点',
    late: '晚点',
    completeness: '数据完整率',
    observed: (n, m) => `观测 ${n} / 计划 ${m} 站次`,
    passed: '越站',
    missed: '甩站',
    dwells: '滞站',
    byHour: '各时段准点情况',
    byLine: '各线路准点情况',
    byHourLabel: '按小时统计的早点、准点、晚点比例',
    byLineLabel: '按线路统计的早点、准点、晚点比例',
    hour: (hh) => `${hh}时`,
    predictions: '到站预测准确度（按预测提前量）',
    predictionsLabel: '各预测方法在各提前量区间的准确率',
    predictionRule: '按 MBTA 规则：0–3 分钟内允许早 1 / 晚 1 分钟，3–6 分钟早 1.5 / 晚 2 分钟，6–12 分钟早 2.5 / 晚 3.5 分钟，12–30 分钟早 4 / 晚 6 分钟。',
    band: (b) => `${b} 分钟`,
    accurate: '准确率',
    noPredictions: '当天没有可核对的预测记录。',
    noData: '当天没有到离站记录。',
    lateList: '晚点与早点发车',
    skips: '越站与甩站',
    skipRule: '越站：车辆经过站点未停靠；甩站：该趟次前后站点均有记录，但此站没有任何记录（也可能是检测缺失）。',
    dwellList: '滞站（停站时间超出计划 2 分钟以上）',
    crowding: '满载率',
    noCounter: '暂无客流计数（APC）数据，无法计算满载率。',
    crowdingSource: '数据来自车载客流计数器（APC）：车辆离开各开门站点时车上人数 ÷ 额定载客量；每趟取最大断面，超过 100% 为超载。',
    colTrips: '趟次数', colMeanLoad: '平均最大满载率', colPeakLoad: '最高满载率', colPeakHour: '最高时段', colOverloaded: '超载趟次',
    colOnboard: '车上人数', colCapacity: '额定载客', colLoad: '满载率', colHour: '时段',
    colLine: '线路', colTrip: '趟次', colStop: '站点', colBus: '车辆', colKind: '类型',
    colScheduled: '计划时间', colActual: '实际时间', colDeviation: '偏差', colDwell: '停站', colExcess: '超出',
    colMethod: '方法', colBand: '提前量', colN: '样本', colMae: '平均误差', colAccurate: '准确率',
    minutes: (m) => `${m} 分钟`,
    lateBy: (m) => `晚 ${m} 分钟`,
    earlyBy: (m) => `早 ${m} 分钟`,
    none: '无',
    csv: '下载 CSV',
    more: (n) => `（共 ${n} 条，仅显示前 ${LIST_ROWS} 条）`,
    loadError: '加载失败',
    method: { kalman: '卡尔曼', delay: '延误外推', prevbus: '前车', schedule: '时刻表', segment: '路段' },
  },
  en: {
    title: 'Service',
    day: 'Day',
    line: 'Line',
    allLines: 'All lines',
    reload: 'Refresh',
    asOf: (when) => `As of ${when}`,
    window: 'Early: leaving more than 1 min before the schedule; late: more than 5 min after (arrival at the last stop).',
    otp: 'On time',
    early: 'Early',
    onTime: 'On time',
    late: 'Late',
    completeness: 'Data completeness',
    observed: (n, m) => `${n} observed of ${m} scheduled calls`,
    passed: 'Passed stops',
    missed: 'Missed stops',
    dwells: 'Long dwells',
    byHour: 'On-time performance by hour',
    byLine: 'On-time performance by line',
    byHourLabel: 'Share early, on time and late by hour',
    byLineLabel: 'Share early, on time and late by line',
    hour: (hh) => `${hh}h`,
    predictions: 'Arrival prediction accuracy by horizon',
    predictionsLabel: 'Share of accurate predictions per method and horizon band',
    predictionRule: "MBTA's rule: within 1 min early / 1 min late for 0–3 min ahead, 1.5 / 2 for 3–6, 2.5 / 3.5 for 6–12, 4 / 6 for 12–30.",
    band: (b) => `${b} min`,
    accurate: 'Accurate',
    noPredictions: 'No predictions to check on this day.',
    noData: 'No stop events on this day.',
    lateList: 'Late and early departures',
    skips: 'Passed and missed stops',
    skipRule: 'Passed: the bus went by without stopping. Missed: no record at this stop though the trip was seen before and after it (may be a detection gap).',
    dwellList: 'Long dwells (more than 2 min beyond the plan)',
    crowding: 'Load factor',
    noCounter: 'No passenger-counter (APC) data: the load factor cannot be computed.',
    crowdingSource: 'From the buses\' passenger counters (APC): riders on board leaving each stop where the doors opened ÷ rated capacity; per trip its highest section, over 100% is overloaded.',
    colTrips: 'Trips', colMeanLoad: 'Mean max load', colPeakLoad: 'Peak load', colPeakHour: 'Peak hour', colOverloaded: 'Overloaded trips',
    colOnboard: 'On board', colCapacity: 'Capacity', colLoad: 'Load factor', colHour: 'Hour',
    colLine: 'Line', colTrip: 'Trip', colStop: 'Stop', colBus: 'Bus', colKind: 'Kind',
    colScheduled: 'Scheduled', colActual: 'Actual', colDeviation: 'Deviation', colDwell: 'Dwell', colExcess: 'Beyond plan',
    colMethod: 'Method', colBand: 'Horizon', colN: 'Count', colMae: 'Mean error', colAccurate: 'Accurate',
    minutes: (m) => `${m} min`,
    lateBy: (m) => `${m} min late`,
    earlyBy: (m) => `${m} min early`,
    none: 'None',
    csv: 'Download CSV',
    more: (n) => ` (${n} in all, the first ${LIST_ROWS} shown)`,
    loadError: 'Could not load',
    method: { kalman: 'Kalman', delay: 'Delay', prevbus: 'Bus ahead', schedule: 'Timetable', segment: 'Segments' },
  },
};
const t = translator(STRINGS);
const LIST_ROWS = 50;


const pct = (share) => (share === null || share === undefined ? '—' : `${(share * 100).toFixed(1)}%`);
const mins = (seconds) => (seconds / 60).toFixed(1);

function hourLabel(hour) {
  return t('hour', String(hour % 24).padStart(2, '0'));
}

// Stacked bars, one per group: early (bottom) / on time / late shares of what was observed.
function stackedChart(id, groups, labelOf, ariaLabel) {
  const width = Math.max(360, groups.length * 44 + 60);
  const height = 220;
  const top = 10;
  const plot = 160;
  const bar = 28;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((v) => svg(
    'g', {},
    svg('line', { x1: 40, x2: width - 8, y1: top + plot * (1 - v), y2: top + plot * (1 - v), class: 'svc-grid' }),
    svg('text', { x: 34, y: top + plot * (1 - v) + 4, class: 'svc-axis', 'text-anchor': 'end' }, `${v * 100}%`),
  ));
  const bars = groups.map((g, k) => {
    const x = 48 + k * 44;
    let y = top + plot;
    const parts = [['early', g.early_share], ['on_time', g.on_time_share], ['late', g.late_share]].map(([kind, share]) => {
      const hgt = (share || 0) * plot;
      y -= hgt;
      return svg('rect', { x, y, width: bar, height: hgt, class: `svc-${kind}` });
    });
    const label = labelOf(g);
    const tip = g.observed
      ? `${label}: ${t('onTime')} ${pct(g.on_time_share)}, ${t('early')} ${pct(g.early_share)}, ${t('late')} ${pct(g.late_share)} (${g.observed})`
      : `${label}: ${t('none')}`;
    return svg(
      'g', { class: 'svc-bar', 'data-key': String(g.hour ?? g.route_id ?? '') },
      svg('title', {}, tip),
      parts,
      svg('text', { x: x + bar / 2, y: top + plot + 16, class: 'svc-axis', 'text-anchor': 'middle' }, label),
      svg('text', { x: x + bar / 2, y: top + plot + 32, class: 'svc-axis svc-small', 'text-anchor': 'middle' }, g.observed ? pct(g.on_time_share) : '—'),
    );
  });
  return svg('svg', { id, class: 'svc-chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': ariaLabel }, ticks, bars);
}

// Accuracy by horizon band: grouped bars, one per method, height = accurate share.
function accuracyChart(rows, bands) {
  const methods = [...new Set(rows.map((r) => r.method))].sort();
  const groupWidth = Math.max(60, methods.length * 22 + 20);
  const width = 60 + bands.length * groupWidth + 140;
  const height = 220;
  const top = 10;
  const plot = 160;
  const ticks = [0, 0.5, 1].map((v) => svg(
    'g', {},
    svg('line', { x1: 40, x2: 48 + bands.length * groupWidth, y1: top + plot * (1 - v), y2: top + plot * (1 - v), class: 'svc-grid' }),
    svg('text', { x: 34, y: top + plot * (1 - v) + 4, class: 'svc-axis', 'text-anchor': 'end' }, `${v * 100}%`),
  ));
  const groups = bands.map((b, k) => {
    const x0 = 48 + k * groupWidth;
    const bars = methods.map((m, j) => {
      const r = rows.find((row) => row.method === m && row.band === b.band);
      if (!r) return null;
      const hgt = r.accurate_share * plot;
      return svg(
        'rect',
        { x: x0 + 8 + j * 22, y: top + plot - hgt, width: 18, height: hgt, class: `svc-method svc-m${j % 6}`, 'data-method': m, 'data-band': b.band },
        svg('title', {}, `${t('method', m)} · ${t('band', b.band)}: ${t('accurate')} ${pct(r.accurate_share)}, MAE ${mins(r.mae_s)} min, n=${r.n}`),
      );
    });
    return svg('g', {}, bars, svg('text', { x: x0 + groupWidth / 2, y: top + plot + 16, class: 'svc-axis', 'text-anchor': 'middle' }, t('band', b.band)));
  });
  const legend = methods.map((m, j) => svg(
    'g', {},
    svg('rect', { x: width - 130, y: top + j * 18, width: 12, height: 12, class: `svc-method svc-m${j % 6}` }),
    svg('text', { x: width - 112, y: top + j * 18 + 10, class: 'svc-axis' }, t('method', m)),
  ));
  return svg('svg', { id: 'svc-accuracy-chart', class: 'svc-chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': t('predictionsLabel') }, ticks, groups, legend);
}

function legend() {
  return h(
    'p', { className: 'svc-legend' },
    ['early', 'on_time', 'late'].map((k) => h('span', { className: `svc-key svc-key-${k}` }, t({ early: 'early', on_time: 'onTime', late: 'late' }[k]))),
  );
}

function card(id, label, value, note) {
  return h('div', { className: 'svc-card', id }, h('span', { className: 'svc-card-label' }, label), h('strong', {}, value), note ? h('span', { className: 'hint' }, note) : null);
}

export function servicePage(el) {
  let alive = true;
  let data = null; // the last answers, redrawn on a language change
  const query = new URLSearchParams(window.location.hash.split('?')[1] || '');
  let day = query.get('date') || '';
  let routeId = query.get('line') || '';
  const status = statusLine('svc-message');
  const dayInput = h('input', { type: 'date', id: 'svc-date', value: day, onchange: () => { day = dayInput.value; refresh(); } });
  const picker = h('select', { id: 'svc-line', onchange: () => { routeId = picker.value; refresh(); } });
  const body = h('div', { id: 'svc-body' });
  const reload = h('button', { type: 'button', className: 'pill', id: 'svc-reload', onclick: () => refresh() });
  el.append(
    h('h2', {}, shared('modules', 'service')),
    status,
    h('div', { className: 'svc-controls' },
      h('label', { className: 'field' }, h('span', { id: 'svc-day-label' }), dayInput),
      h('label', { className: 'field' }, h('span', { id: 'svc-line-label' }), picker),
      reload),
    body,
  );

  function params(extra = {}) {
    const p = new URLSearchParams();
    if (day) p.set('date', day);
    if (routeId) p.set('route_id', routeId);
    for (const [k, v] of Object.entries(extra)) p.set(k, v);
    return p.toString();
  }

  function csvLink(path, extra = {}) {
    return h('a', { className: 'svc-csv', href: `/api/v1/dispatch/service/${path}?${params({ ...extra, format: 'csv' })}`, download: '' }, t('csv'));
  }

  function section(id, title, ...children) {
    return h('section', { className: 'svc-section', id }, h('h3', {}, title), ...children);
  }

  function listNote(count) {
    return count > LIST_ROWS ? h('p', { className: 'hint' }, t('more', count)) : null;
  }

  function draw() {
    if (!data) return;
    const { otpLine, otpHour, adherence, skips, dwells, crowding, predictions } = data;
    document.getElementById('svc-day-label').textContent = t('day');
    document.getElementById('svc-line-label').textContent = t('line');
    reload.textContent = t('reload');
    if (!dayInput.value) dayInput.value = otpLine.date;
    const lines = otpLine.groups.filter((g) => g.route_id);
    const keep = routeId;
    picker.replaceChildren(h('option', { value: '' }, t('allLines')), ...data.lineOptions.map((g) => h('option', { value: g.route_id }, g.line)));
    picker.value = keep;

    const total = otpHour.total;
    const cards = h(
      'div', { className: 'svc-cards', id: 'svc-cards' },
      card('svc-otp', t('otp'), pct(total.on_time_share), t('observed', total.observed, total.scheduled)),
      card('svc-early', t('early'), pct(total.early_share), String(total.early)),
      card('svc-late', t('late'), pct(total.late_share), String(total.late)),
      card('svc-completeness', t('completeness'), pct(total.completeness)),
      card('svc-passed', t('passed'), String(skips.totals.passed)),
      card('svc-missed', t('missed'), String(skips.totals.missed)),
      card('svc-dwells', t('dwells'), String(dwells.count)),
    );

    const hourChart = otpHour.groups.length
      ? stackedChart('svc-hour-chart', otpHour.groups, (g) => hourLabel(g.hour), t('byHourLabel'))
      : h('p', { className: 'hint' }, t('noData'));
    const lineChart = lines.length
      ? stackedChart('svc-line-chart', lines, (g) => g.line, t('byLineLabel'))
      : h('p', { className: 'hint' }, t('noData'));

    const predRows = predictions.rows;
    const predTable = table('svc-predictions', [t('colMethod'), t('colBand'), t('colN'), t('colMae'), t('colAccurate')]);
    predTable.tbody.append(...predRows.map((r) => h(
      'tr', { dataset: { method: r.method, band: r.band } },
      h('td', {}, t('method', r.method)), h('td', {}, t('band', r.band)), h('td', {}, String(r.n)),
      h('td', {}, t('minutes', mins(r.mae_s))), h('td', {}, pct(r.accurate_share)),
    )));

    const adhTable = table('svc-adherence', [t('colLine'), t('colTrip'), t('colStop'), t('colBus'), t('colScheduled'), t('colActual'), t('colDeviation')]);
    adhTable.tbody.append(...adherence.calls.slice(0, LIST_ROWS).map((c) => h(
      'tr', { dataset: { trip: c.trip_id, stop: c.stop_id, status: c.status } },
      h('td', {}, c.line), h('td', {}, c.trip_id), h('td', {}, c.stop), h('td', {}, c.vehicle_id),
      h('td', { className: 'nowrap' }, localTime(c.scheduled_utc)), h('td', { className: 'nowrap' }, localTime(c.actual_utc)),
      h('td', { className: `adh ${c.status}` }, t(c.status === 'late' ? 'lateBy' : 'earlyBy', Math.abs(c.deviation_min).toFixed(1))),
    )));
    if (!adherence.calls.length) adhTable.tbody.append(h('tr', {}, h('td', { colSpan: 7 }, t('none'))));

    const skipTable = table('svc-skips', [t('colKind'), t('colLine'), t('colTrip'), t('colStop'), t('colBus'), t('colScheduled'), t('colActual')]);
    skipTable.tbody.append(...skips.skips.slice(0, LIST_ROWS).map((s) => h(
      'tr', { dataset: { trip: s.trip_id, stop: s.stop_id, kind: s.kind } },
      h('td', { className: `svc-kind ${s.kind}` }, t(s.kind)), h('td', {}, s.line), h('td', {}, s.trip_id), h('td', {}, s.stop),
      h('td', {}, s.vehicle_id || '—'), h('td', { className: 'nowrap' }, s.scheduled_utc ? localTime(s.scheduled_utc) : '—'),
      h('td', { className: 'nowrap' }, s.at_utc ? localTime(s.at_utc) : '—'),
    )));
    if (!skips.skips.length) skipTable.tbody.append(h('tr', {}, h('td', { colSpan: 7 }, t('none'))));

    const dwellTable = table('svc-dwell-list', [t('colLine'), t('colTrip'), t('colStop'), t('colBus'), t('colActual'), t('colDwell'), t('colExcess')]);
    dwellTable.tbody.append(...dwells.dwells.slice(0, LIST_ROWS).map((d) => h(
      'tr', { dataset: { trip: d.trip_id, stop: d.stop_id } },
      h('td', {}, d.line), h('td', {}, d.trip_id), h('td', {}, d.stop), h('td', {}, d.vehicle_id),
      h('td', { className: 'nowrap' }, localTime(d.arrival_utc)), h('td', {}, t('minutes', mins(d.dwell_s))), h('td', {}, t('minutes', mins(d.excess_s))),
    )));
    if (!dwells.dwells.length) dwellTable.tbody.append(h('tr', {}, h('td', { colSpan: 7 }, t('none'))));

    const crowdLines = table('svc-crowding-lines', [t('colLine'), t('colTrips'), t('colMeanLoad'), t('colPeakLoad'), t('colPeakHour'), t('colOverloaded')]);
    crowdLines.tbody.append(...crowding.by_line.map((r) => h(
      'tr', { dataset: { route: r.route_id ?? '' } },
      h('td', {}, r.line ?? '—'), h('td', {}, String(r.trips)), h('td', {}, pct(r.mean_max_load_factor)),
      h('td', {}, pct(r.peak_load_factor)), h('td', {}, r.peak_hour === null ? '—' : hourLabel(r.peak_hour)), h('td', {}, String(r.overloaded)),
    )));
    const crowdTrips = table('svc-crowding-trips', [t('colLine'), t('colTrip'), t('colStop'), t('colHour'), t('colOnboard'), t('colCapacity'), t('colLoad')]);
    crowdTrips.tbody.append(...[...crowding.trips].sort((a, b) => b.load_factor - a.load_factor).slice(0, LIST_ROWS).map((r) => h(
      'tr', { dataset: { trip: r.trip_id, stop: r.stop_id ?? '' } },
      h('td', {}, r.line ?? '—'), h('td', {}, r.trip_id), h('td', {}, r.stop ?? '—'), h('td', {}, r.hour === null ? '—' : hourLabel(r.hour)),
      h('td', {}, String(r.onboard)), h('td', {}, String(r.capacity)), h('td', { className: r.load_factor > 1 ? 'adh late' : '' }, pct(r.load_factor)),
    )));

    body.replaceChildren(
      h('p', { className: 'hint', id: 'svc-as-of' }, `${t('asOf', localTime(otpHour.as_of_utc))} · ${t('window')}`),
      cards,
      section('svc-by-hour', t('byHour'), legend(), h('div', { className: 'svc-scroll' }, hourChart), csvLink('otp', { by: 'hour' })),
      routeId ? null : section('svc-by-line', t('byLine'), h('div', { className: 'svc-scroll' }, lineChart), csvLink('otp', { by: 'line' })),
      section(
        'svc-predictions-section', t('predictions'),
        h('p', { className: 'hint' }, t('predictionRule')),
        predRows.length ? h('div', { className: 'svc-scroll' }, accuracyChart(predRows, predictions.bands)) : h('p', { className: 'hint' }, t('noPredictions')),
        predRows.length ? predTable.el : null,
        csvLink('predictions'),
      ),
      section('svc-late-section', t('lateList'), adhTable.el, listNote(adherence.count), csvLink('adherence')),
      section('svc-skips-section', t('skips'), h('p', { className: 'hint' }, t('skipRule')), skipTable.el, listNote(skips.totals.passed + skips.totals.missed), csvLink('skips')),
      section('svc-dwells-section', t('dwellList'), dwellTable.el, listNote(dwells.count), csvLink('dwells')),
      section(
        'svc-crowding', t('crowding'),
        crowding.available ? null : h('p', { className: 'svc-no-counter', dataset: { note: crowding.note } }, t('noCounter')),
        crowding.available ? h('p', { className: 'hint', id: 'svc-crowding-source' }, t('crowdingSource')) : null,
        crowding.available ? crowdLines.el : null,
        crowding.available ? crowdTrips.el : null,
        crowding.available ? listNote(crowding.trips.length) : null,
        crowding.available ? csvLink('crowding') : null,
      ),
    );
  }

  async function refresh() {
    const q = params();
    try {
      const [otpHour, otpLine, early, late, skips, dwells, crowding, predictions] = await Promise.all([
        call('GET', `/service/otp?${params({ by: 'hour' })}`),
        call('GET', `/service/otp?${day ? `date=${encodeURIComponent(day)}&` : ''}by=line`),
        call('GET', `/service/adherence?${params({ status: 'early', limit: String(LIST_ROWS) })}`),
        call('GET', `/service/adherence?${params({ status: 'late', limit: String(LIST_ROWS) })}`),
        call('GET', `/service/skips?${params({ limit: String(LIST_ROWS) })}`),
        call('GET', `/service/dwells?${params({ limit: String(LIST_ROWS) })}`),
        call('GET', `/service/crowding?${q}`),
        call('GET', `/service/predictions?${q}`),
      ]);
      if (!alive) return;
      // late ones first (largest deviation first), then the early ones
      const adherence = { calls: [...late.calls, ...early.calls] };
      adherence.count = late.count + early.count;
      const lineOptions = otpLine.groups.filter((g) => g.route_id && g.scheduled > 0);
      const otpLineShown = routeId ? { ...otpLine, groups: otpLine.groups.filter((g) => g.route_id === routeId) } : otpLine;
      data = { otpHour, otpLine: otpLineShown, adherence, skips, dwells, crowding, predictions, lineOptions };
      draw();
      status.say(null);
      markReady();
    } catch (error) {
      if (alive && error.status !== 401) status.say(`${t('loadError')}: ${error.detail || error.message}`, true);
    }
  }

  // main.js repaints the page on a language change too; this keeps a page that stays
  // mounted in step without asking the server again.
  onLangChange(() => {
    if (alive) draw();
  });
  const timer = window.setInterval(() => {
    if (alive) refresh();
  }, refreshSeconds(60) * 1000);
  refresh();
  return {
    unmount() {
      alive = false;
      window.clearInterval(timer);
    },
  };
}

// 安全监管 (safety): the alarm queue — JT/T 808 alarm bits and 苏标 ADAS/DMS alarms the
// gateway raised — most severe first, then newest, coloured by severity, filtered by
// status and severity. A safety officer (decide:alarms) acknowledges (确认), assigns
// (指派) and resolves (处理, with a note) each alarm; every decision is in the audit log.
// Below, driving behaviour per driver (IC card sign-ins; per vehicle without them) for this week (speeding, harsh braking and
// acceleration from positions, driver alarms, a score). The queue refreshes every 5 s
// (?refresh=N seconds to change that), the behaviour table every minute.

import { call } from './api.js';
import { h, markReady, refreshSeconds, statusLine, table } from './bits.js';
import { localTime } from './text.js';
import { onLangChange, translator } from '../lang.js';

const MAX_NOTE = 500;

const KINDS_ZH = {
  emergency: '紧急报警', overspeed: '超速报警', fatigue_driving: '疲劳驾驶', danger_warning: '危险预警',
  gnss_module_fault: 'GNSS 模块故障', gnss_antenna_disconnected: 'GNSS 天线断开', gnss_antenna_short_circuit: 'GNSS 天线短路',
  power_under_voltage: '主电源欠压', power_lost: '主电源掉电', display_fault: '显示屏故障', tts_fault: 'TTS 故障',
  camera_fault: '摄像头故障', ic_card_module_fault: 'IC 卡模块故障', overspeed_warning: '超速预警', fatigue_warning: '疲劳预警',
  illegal_driving: '违规行驶', tyre_pressure_warning: '胎压预警', right_turn_blind_zone: '右转盲区',
  daily_driving_time_exceeded: '当天累计驾驶超时', overtime_parking: '超时停车', area_in_out: '进出区域',
  route_in_out: '进出路线', segment_driving_time: '路段行驶时间异常', route_deviation: '路线偏离',
  vss_fault: 'VSS 故障', fuel_abnormal: '油量异常', vehicle_stolen: '车辆被盗', illegal_ignition: '非法点火',
  illegal_displacement: '非法位移', collision_warning: '碰撞预警', rollover_warning: '侧翻预警', illegal_door_opening: '非法开门',
  'adas.forward_collision': '前向碰撞', 'adas.lane_departure': '车道偏离', 'adas.headway_too_close': '车距过近',
  'adas.pedestrian_collision': '行人碰撞', 'adas.frequent_lane_change': '频繁变道', 'adas.road_sign_limit_exceeded': '道路标识超限',
  'adas.obstacle': '障碍物', 'adas.road_sign_recognition': '道路标识识别', 'adas.active_capture': '主动抓拍',
  'dms.fatigue': '疲劳驾驶', 'dms.phone_call': '接打电话', 'dms.smoking': '抽烟', 'dms.distraction': '分神驾驶',
  'dms.driver_abnormal': '驾驶员异常', 'dms.automatic_capture': '自动抓拍', 'dms.driver_change': '驾驶员变更',
  speeding: '超速', harsh_braking: '急刹车', harsh_acceleration: '急加速',
};

const STRINGS = {
  zh: {
    title: '安全监管',
    queue: '报警队列',
    filterStatus: '状态',
    filterSeverity: '级别',
    all: '全部',
    active: '未处理完',
    status: { open: '待确认', acknowledged: '已确认', assigned: '已指派', resolved: '已处理' },
    severity: { high: '严重', medium: '一般', low: '提示' },
    colTime: '报警时间', colVehicle: '车辆', colKind: '报警', colSeverity: '级别', colStatus: '状态',
    colAssignee: '处理人', colActions: '操作',
    kind: (k) => KINDS_ZH[k] || k,
    acknowledge: '确认', details: '详情', assign: '指派', resolve: '处理',
    noAlarms: '没有符合条件的报警。',
    alarmsOff: '报警未开启：服务器没有报警库。',
    summary: (n, high) => `共 ${n} 条${high ? `，其中严重 ${high} 条` : ''}`,
    detailTitle: (id) => `报警 #${id}`,
    fPhone: '终端号', fAlarmId: '终端报警编号（附件按此上传）', fAttachments: '附件',
    fFiles: '已上传附件', noFiles: '终端尚未上传', incomplete: '（未传完）',
    attachments: (n) => (n === null || n === undefined ? '网关未上报附件信息' : `${n} 个`),
    fPosition: '位置', fCleared: '终端解除', stillActive: '仍在报警', fDetails: '附加信息',
    fDecided: '最近处理', fNote: '处理说明', none: '—',
    assignee: '指派给（用户名）', note: `处理说明（1–${MAX_NOTE} 字，必填）`,
    noteRule: `请填写处理说明（1–${MAX_NOTE} 字）。`, assigneeRule: '请填写用户名。',
    done: { alarm_acknowledged: '已确认。', alarm_assigned: '已指派。', alarm_resolved: '已处理。' },
    actionError: '操作失败',
    loadError: '加载失败',
    behaviour: '驾驶行为（按司机，本周）',
    colWho: '司机 / 车辆', nobodySigned: (v) => `${v} · 无人签到`,
    behaviourHint: '按司机刷卡签到时段统计（无签到数据时按车辆）：100 − 2 × 每百公里扣分；超速按 60 km/h 计，急刹/急加速取相邻 3 s 内定位点的速度变化。',
    colKm: '里程 km', colSpeeding: '超速', colBraking: '急刹车', colAccel: '急加速', colAlarms: '驾驶报警', colScore: '得分',
    noScore: '里程不足',
    noBehaviour: '本周没有定位记录。',
  },
  en: {
    title: 'Safety',
    queue: 'Alarm queue',
    filterStatus: 'Status',
    filterSeverity: 'Severity',
    all: 'All',
    active: 'Not resolved',
    status: { open: 'Open', acknowledged: 'Acknowledged', assigned: 'Assigned', resolved: 'Resolved' },
    severity: { high: 'High', medium: 'Medium', low: 'Low' },
    colTime: 'Raised', colVehicle: 'Bus', colKind: 'Alarm', colSeverity: 'Severity', colStatus: 'Status',
    colAssignee: 'Assignee', colActions: 'Actions',
    kind: (k) => k.replace(/^(adas|dms)\./, (m) => `${m.slice(0, -1).toUpperCase()}: `).replaceAll('_', ' '),
    acknowledge: 'Acknowledge', details: 'Details', assign: 'Assign', resolve: 'Resolve',
    noAlarms: 'No alarms match.',
    alarmsOff: 'Alarms are off: the server has no alarm store.',
    summary: (n, high) => `${n} alarm(s)${high ? `, ${high} high` : ''}`,
    detailTitle: (id) => `Alarm #${id}`,
    fPhone: 'Terminal', fAlarmId: "Terminal's alarm id (attachments are uploaded under it)", fAttachments: 'Attachments',
    fFiles: 'Uploaded files', noFiles: 'none uploaded yet', incomplete: ' (incomplete)',
    attachments: (n) => (n === null || n === undefined ? 'not reported by the gateway' : `${n}`),
    fPosition: 'Position', fCleared: 'Ended by the terminal', stillActive: 'still active', fDetails: 'Details',
    fDecided: 'Last decision', fNote: 'Note', none: '—',
    assignee: 'Assign to (username)', note: `What was found and done (1–${MAX_NOTE} characters, required)`,
    noteRule: `Write a note (1–${MAX_NOTE} characters).`, assigneeRule: 'Give a username.',
    done: { alarm_acknowledged: 'Acknowledged.', alarm_assigned: 'Assigned.', alarm_resolved: 'Resolved.' },
    actionError: 'Could not do that',
    loadError: 'Could not load',
    behaviour: 'Driving behaviour (per driver, this week)',
    colWho: 'Driver / bus', nobodySigned: (v) => `${v} · nobody signed in`,
    behaviourHint: 'Per driver, by their IC card sign-ins (per bus when there are none): 100 − 2 × points per 100 km; speeding against 60 km/h, harsh braking and acceleration from the speed change between positions at most 3 s apart.',
    colKm: 'km', colSpeeding: 'Speeding', colBraking: 'Harsh braking', colAccel: 'Harsh acceleration', colAlarms: 'Driver alarms', colScore: 'Score',
    noScore: 'too few km',
    noBehaviour: 'No positions this week.',
  },
};

const t = translator(STRINGS);
const POSITION_EVENTS = ['speeding', 'harsh_braking', 'harsh_acceleration'];

export function safetyPage(el, { me }) {
  let alive = true;
  let statusFilter = 'active';
  let severityFilter = '';
  let picked = null; // the alarm shown in the detail panel
  let alarms = [];
  const filesOf = new Map(); // alarm id -> its uploaded attachments (GET /alarms/{id})
  let enabled = true;
  let behaviour = null;
  const mayDecide = me.permissions.includes('decide:alarms');
  const status = statusLine('safety-message');
  const detail = h('section', { id: 'safety-detail', className: 'saf-detail', hidden: true });
  const summary = h('p', { className: 'hint', id: 'safety-summary' });
  let queue = null;
  let scores = null;

  function option(value, label, current) {
    return h('option', { value, selected: value === current }, label);
  }

  function draw() {
    const statusPick = h(
      'select',
      { id: 'safety-status', onchange: () => { statusFilter = statusPick.value; loadAlarms(); } },
      option('active', t('active'), statusFilter),
      ...['open', 'acknowledged', 'assigned', 'resolved'].map((s) => option(s, t('status', s), statusFilter)),
      option('', t('all'), statusFilter),
    );
    const severityPick = h(
      'select',
      { id: 'safety-severity', onchange: () => { severityFilter = severityPick.value; loadAlarms(); } },
      option('', t('all'), severityFilter),
      ...['high', 'medium', 'low'].map((s) => option(s, t('severity', s), severityFilter)),
    );
    queue = table('safety-alarms', [
      t('colTime'), t('colVehicle'), t('colKind'), t('colSeverity'), t('colStatus'), t('colAssignee'), t('colActions'),
    ]);
    scores = table('safety-behaviour', [
      t('colWho'), t('colKm'), t('colSpeeding'), t('colBraking'), t('colAccel'), t('colAlarms'), t('colScore'),
    ]);
    delete detail.dataset.sig;
    el.replaceChildren(
      h('h2', {}, t('title')),
      status,
      h(
        'div', { className: 'saf-filters' },
        h('label', { className: 'field' }, h('span', {}, t('filterStatus')), statusPick),
        h('label', { className: 'field' }, h('span', {}, t('filterSeverity')), severityPick),
      ),
      h('h3', {}, t('queue')),
      summary,
      queue.el,
      detail,
      h('h3', {}, t('behaviour')),
      h('p', { className: 'hint' }, t('behaviourHint')),
      scores.el,
    );
    fillQueue();
    fillDetail();
    fillBehaviour();
  }

  function alarmRow(a) {
    const actions = [];
    if (mayDecide && a.status === 'open') {
      actions.push(h('button', { type: 'button', className: 'pill saf-ack', onclick: () => decide(a.id, 'acknowledge') }, t('acknowledge')));
    }
    actions.push(h('button', { type: 'button', className: 'pill saf-open', onclick: () => pick(a.id) }, mayDecide && a.status !== 'resolved' ? t('resolve') : t('details')));
    return h(
      'tr',
      {
        className: `saf-row saf-sev-${a.severity}${picked === a.id ? ' saf-picked' : ''}`,
        dataset: { alarm: String(a.id), status: a.status, severity: a.severity },
      },
      h('td', { className: 'nowrap' }, localTime(a.raised_utc)),
      h('td', {}, a.vehicle_id || a.phone),
      h('td', {}, t('kind', a.kind)),
      h('td', {}, h('span', { className: `saf-badge saf-sev-${a.severity}` }, t('severity', a.severity))),
      h('td', { className: `saf-status saf-st-${a.status}` }, t('status', a.status)),
      h('td', {}, a.assignee || ''),
      h('td', {}, h('div', { className: 'saf-actions' }, actions)),
    );
  }

  function fillQueue() {
    if (!queue) return;
    const high = alarms.filter((a) => a.severity === 'high').length;
    summary.textContent = enabled ? t('summary', alarms.length, high) : '';
    queue.tbody.replaceChildren(...alarms.map(alarmRow));
    if (!alarms.length) queue.tbody.append(h('tr', {}, h('td', { colSpan: 7 }, t(enabled ? 'noAlarms' : 'alarmsOff'))));
  }

  function field(label, value) {
    return [h('dt', {}, label), h('dd', {}, value === null || value === undefined || value === '' ? t('none') : value)];
  }

  function fillDetail() {
    const a = alarms.find((x) => x.id === picked) || (picked && detail.alarm && detail.alarm.id === picked ? detail.alarm : null);
    detail.hidden = !a;
    if (!a) {
      delete detail.dataset.sig;
      detail.replaceChildren();
      return;
    }
    const files = filesOf.get(a.id);
    const sig = JSON.stringify([a, files]);
    if (detail.dataset.sig === sig && detail.children.length) return; // keep what is typed
    detail.dataset.sig = sig;
    detail.alarm = a;
    const where = a.position ? `${a.position.lat.toFixed(5)}, ${a.position.lon.toFixed(5)}` : null;
    const decided = a.decided_by ? `${a.decided_by} · ${localTime(a.decided_utc)}` : null;
    const parts = [
      h('h3', {}, `${t('detailTitle', a.id)} · ${t('kind', a.kind)} · ${t('status', a.status)}`),
      h(
        'dl', { className: 'saf-fields' },
        ...field(t('fPhone'), a.phone),
        ...field(t('fAlarmId'), a.alarm_id),
        ...field(t('fAttachments'), t('attachments', a.attachment_count)),
        ...field(t('fFiles'), files === undefined ? null : files.length ? fileList(files) : t('noFiles')),
        ...field(t('fPosition'), where),
        ...field(t('fCleared'), a.cleared_utc ? localTime(a.cleared_utc) : t('stillActive')),
        ...field(t('fDetails'), Object.entries(a.details || {}).map(([k, v]) => `${k}: ${v}`).join(' · ')),
        ...field(t('fDecided'), decided),
        ...field(t('fNote'), a.note),
      ),
    ];
    if (mayDecide && a.status !== 'resolved') parts.push(decisionForms(a));
    detail.replaceChildren(...parts);
  }

  function fileList(files) {
    // images inline (same origin: the CSP allows 'self'), every file as a link
    return h(
      'ul', { className: 'saf-files', id: 'safety-files' },
      ...files.map((f) => h(
        'li', {},
        f.file_type === 'image' && f.complete
          ? h('img', { src: f.url, alt: f.name, loading: 'lazy', style: { maxWidth: '100%', display: 'block' } })
          : null,
        h('a', { href: f.url, target: '_blank', rel: 'noopener' }, `${f.name}${f.complete ? '' : t('incomplete')}`),
      )),
    );
  }

  async function loadFiles(id) {
    try {
      const got = await call('GET', `/alarms/${id}`);
      if (!alive) return;
      filesOf.set(id, got.attachments || []);
      if (picked === id) fillDetail();
    } catch (error) {
      if (alive && error.status !== 401) status.say(`${t('loadError')}: ${error.detail || error.message}`, true);
    }
  }

  function decisionForms(a) {
    const assignee = h('input', { id: 'safety-assignee', maxLength: 64, autocomplete: 'off', value: a.assignee || '' });
    const note = h('textarea', { id: 'safety-note', rows: 2, maxLength: MAX_NOTE });
    const assignForm = h(
      'form',
      {
        className: 'saf-form', id: 'safety-assign-form',
        onsubmit: (event) => {
          event.preventDefault();
          const who = assignee.value.trim();
          if (!who) status.say(t('assigneeRule'), true);
          else decide(a.id, 'assign', { assignee: who });
        },
      },
      h('label', { className: 'field' }, h('span', {}, t('assignee')), assignee),
      h('button', { type: 'submit', className: 'pill', id: 'safety-assign' }, t('assign')),
    );
    const resolveForm = h(
      'form',
      {
        className: 'saf-form', id: 'safety-resolve-form',
        onsubmit: (event) => {
          event.preventDefault();
          const words = note.value.trim();
          if (!words || [...words].length > MAX_NOTE) status.say(t('noteRule'), true);
          else decide(a.id, 'resolve', { note: words });
        },
      },
      h('label', { className: 'field' }, h('span', {}, t('note')), note),
      h('button', { type: 'submit', className: 'primary', id: 'safety-resolve' }, t('resolve')),
    );
    const buttons = a.status === 'open'
      ? h('button', { type: 'button', className: 'pill saf-ack', id: 'safety-acknowledge', onclick: () => decide(a.id, 'acknowledge') }, t('acknowledge'))
      : null;
    return h('div', { className: 'saf-decide' }, buttons, assignForm, resolveForm);
  }

  function pick(id) {
    picked = picked === id ? null : id;
    fillQueue();
    fillDetail();
    if (picked !== null) loadFiles(picked);
  }

  async function decide(id, action, body) {
    try {
      const after = await call('POST', `/alarms/${id}/${action}`, body);
      if (!alive) return;
      const key = { acknowledge: 'alarm_acknowledged', assign: 'alarm_assigned', resolve: 'alarm_resolved' }[action];
      status.say(t('done', key));
      alarms = alarms.map((a) => (a.id === after.id ? after : a));
      detail.alarm = after;
      fillQueue();
      fillDetail();
      loadAlarms();
    } catch (error) {
      if (alive && error.status !== 401) status.say(`${t('actionError')}: ${error.detail || error.message}`, true);
    }
  }

  function behaviourRow(v) {
    const driverAlarms = Object.entries(v.events)
      .filter(([k]) => !POSITION_EVENTS.includes(k))
      .reduce((n, [, c]) => n + c, 0);
    return h(
      'tr',
      { dataset: { vehicle: v.vehicle_id || '', driver: v.driver_id || '' } },
      h('td', { title: v.driver_id || '' }, v.driver_id === undefined ? v.vehicle_id
        : v.driver_id === null ? t('nobodySigned', v.vehicle_id) : `${v.name || v.driver_id} (${v.vehicles.join(', ')})`),
      h('td', {}, v.km.toFixed(1)),
      h('td', {}, String(v.events.speeding || 0)),
      h('td', {}, String(v.events.harsh_braking || 0)),
      h('td', {}, String(v.events.harsh_acceleration || 0)),
      h('td', {}, String(driverAlarms)),
      h('td', { className: v.score !== null && v.score < 80 ? 'saf-low-score' : '' }, v.score === null ? t('noScore') : v.score.toFixed(1)),
    );
  }

  function fillBehaviour() {
    if (!scores || !behaviour) return;
    const rows = behaviour.per === 'driver' ? behaviour.drivers : behaviour.vehicles;
    scores.tbody.replaceChildren(...rows.map(behaviourRow));
    if (!rows.length) scores.tbody.append(h('tr', {}, h('td', { colSpan: 7 }, t('noBehaviour'))));
  }

  async function loadAlarms() {
    const query = new URLSearchParams({ limit: '200' });
    if (statusFilter) query.set('status', statusFilter);
    if (severityFilter) query.set('severity', severityFilter);
    try {
      const got = await call('GET', `/alarms?${query}`);
      if (!alive) return;
      alarms = got.alarms;
      enabled = got.enabled;
      fillQueue();
      fillDetail();
      markReady();
    } catch (error) {
      if (alive && error.status !== 401) status.say(`${t('loadError')}: ${error.detail || error.message}`, true);
    }
  }

  async function loadBehaviour() {
    try {
      const got = await call('GET', '/safety/behaviour');
      if (!alive) return;
      behaviour = got;
      fillBehaviour();
    } catch (error) {
      if (alive && error.status !== 401 && error.status !== 503) status.say(`${t('loadError')}: ${error.detail || error.message}`, true);
    }
  }

  onLangChange(() => {
    if (alive) draw();
  });
  draw();
  loadAlarms();
  loadBehaviour();
  const timer = window.setInterval(() => { if (alive) loadAlarms(); }, refreshSeconds(5) * 1000);
  const slowTimer = window.setInterval(() => { if (alive) loadBehaviour(); }, 60_000);
  return {
    unmount() {
      alive = false;
      window.clearInterval(timer);
      window.clearInterval(slowTimer);
    },
  };
}

// The console's words, Chinese first, English beside. The language choice is shared with
// the rider app and the map page (same storage key, busbrain.lang).

const STRINGS = {
  zh: {
    appName: '公交云脑 · 调度中心',
    username: '用户名',
    password: '密码',
    login: '登录',
    loggingIn: '正在登录…',
    loginHint: '账号由管理员开通；忘记密码请联系管理员。',
    loginWrong: '用户名或密码错误。',
    loginDisabled: '该账号已停用，请联系管理员。',
    loginMissing: '请输入用户名和密码。',
    sessionExpired: '登录已过期，请重新登录。',
    loggedOut: '已退出。',
    consoleOff: '调度台未开启：服务器没有用户库。',
    serverError: (detail) => `服务器出错：${detail}`,
    logout: '退出',
    roles: { dispatcher: '调度员', safety: '安全员', manager: '经理', admin: '管理员' },
    modules: {
      command: '调度指挥',
      operations: '运营监管',
      safety: '安全监管',
      equipment: '设备监管',
      service: '服务监管',
      analysis: '数据分析',
      users: '用户管理',
      audit: '审计日志',
    },
    moduleScope: {
      command: '线路模拟图（每条线路上下行、车辆位置、串车与大间隔）、全部车辆的实时地图、运行图，以及调度指令：文字消息、驻站、区间车、加班车、取消班次、换车。',
      operations: '电子路单（每车每司机的计划与实际发车、到达和里程），正班率、发车正点率、缺车、偏线和超长停站。',
      safety: 'ADAS/DMS 报警与 JT/T 808 报警队列（确认、指派、处理并备注）、分路段超速、急加速急减速，以及每位司机每周的驾驶行为评分。',
      equipment: '按线路和车场统计的终端在线率、最后上报时间、定位质量、时钟偏差，刷卡机和客流计数器的健康状况。',
      service: '准点率（早到不超过 1 分钟、晚到不超过 5 分钟）按线路、站点、小时统计，越站、甩站、滞站、满载率，以及到站预测的准确度。',
      analysis: '按线路、站点、小时、支付方式统计的客流，断面客流、分段运行时间、里程，全部可导出 CSV。',
    },
    notBuilt: '本模块尚未建成。这里不显示任何数据，以免让人误以为是真实情况。',
    planned: '建成后将提供：',
    usersTitle: '用户管理',
    auditTitle: '审计日志',
    colUsername: '用户名',
    colName: '姓名',
    colRole: '角色',
    colStatus: '状态',
    colCreated: '创建时间',
    colActions: '操作',
    active: '正常',
    disabled: '已停用',
    disable: '停用',
    confirmDisable: '确认停用？',
    you: '（本人）',
    addUser: '新增用户',
    displayName: '姓名（显示名）',
    role: '角色',
    newPassword: '初始密码（至少 10 个字符）',
    repeatPassword: '再次输入密码',
    add: '新增',
    added: (name) => `已新增用户 ${name}。`,
    disabledDone: (name) => `已停用 ${name}，其登录已全部失效。`,
    passwordShort: '密码至少需要 10 个字符。',
    passwordMismatch: '两次输入的密码不一致。',
    usernameTaken: '该用户名已被使用。',
    usernameRule: '用户名：2–32 个字母、数字或 . _ -，以字母或数字开头。',
    colTime: '时间',
    colWho: '用户',
    colAction: '操作',
    colTarget: '对象',
    colDetail: '详情',
    colClient: '来源地址',
    older: '更早的记录',
    noEntries: '没有记录。',
    actions: {
      login: '登录',
      login_failed: '登录失败',
      logout: '退出',
      user_added: '新增用户',
      user_disabled: '停用用户',
      password_changed: '修改密码',
      message_sent: '发送消息',
    },
    loading: '加载中…',
    loadError: '加载失败',
    pickLine: '线路',
    choose: '请选择线路',
    pickLineFirst: '请先选择一条线路。',
    liveBuses: (n) => `${n} 辆在线`,
    bunched: '串车',
    gapped: '大间隔',
    adherence: { early: '早点', on_time: '准点', late: '晚点', unknown: '未知' },
    spacing: { bunched: '串车', gapped: '大间隔', normal: '正常', unknown: '—' },
    lateBy: (m) => `晚点 ${m} 分`,
    earlyBy: (m) => `早点 ${m} 分`,
    minutes: (m) => `${m} 分`,
    towards: (headsign) => `开往 ${headsign}`,
    scheduledHeadway: (m) => `计划间隔 ${m} 分`,
    stripSummary: (n, late, early, bunched, gapped) => `在线 ${n} 辆：晚点 ${late}，早点 ${early}，串车 ${bunched}，大间隔 ${gapped}。`,
    busList: '车辆列表',
    colBus: '车辆',
    colDirection: '方向',
    colNextStop: '下一站',
    colAdherence: '准点情况',
    colHeadway: '与前车间隔',
    colSpacing: '间隔状态',
    colText: '内容',
    colDelivery: '送达状态',
    pickBus: '发消息',
    noBuses: '本线路目前没有在线车辆。',
    sendMessage: '发送消息',
    wholeLine: '发给全线',
    toBus: (v) => `发送给：车辆 ${v}`,
    toLine: (line) => `发送给：${line} 全部在线车辆`,
    messageText: '消息内容（1–200 字，车载终端显示并播报）',
    send: '发送',
    textRule: '消息内容需 1–200 个字。',
    messageQueued: (n) => `已提交 ${n} 条消息，等待终端确认。`,
    sendError: '发送失败',
    recentMessages: '最近消息',
    noMessages: '还没有消息。',
    messagesOff: '消息功能未开启：服务器没有连接终端网关的指令队列。',
    delivery: {
      pending: '待发送', sent: '已发送', acked: '已送达', failed: '失败',
      unsupported: '终端不支持', timed_out: '超时', offline: '终端离线',
    },
  },
  en: {
    appName: 'Bus cloud brain · Dispatch',
    username: 'Username',
    password: 'Password',
    login: 'Log in',
    loggingIn: 'Logging in…',
    loginHint: 'Accounts are opened by an administrator; ask them if you forgot your password.',
    loginWrong: 'Wrong username or password.',
    loginDisabled: 'This account is disabled: ask an administrator.',
    loginMissing: 'Enter your username and password.',
    sessionExpired: 'Your session has expired: please log in again.',
    loggedOut: 'Logged out.',
    consoleOff: 'The console is off: the server has no user store.',
    serverError: (detail) => `Server error: ${detail}`,
    logout: 'Log out',
    roles: { dispatcher: 'Dispatcher', safety: 'Safety officer', manager: 'Manager', admin: 'Administrator' },
    modules: {
      command: 'Dispatch command',
      operations: 'Operations',
      safety: 'Safety',
      equipment: 'Equipment',
      service: 'Service',
      analysis: 'Analysis',
      users: 'Users',
      audit: 'Audit log',
    },
    moduleScope: {
      command: 'Line strips (both directions, every bus, bunching and gaps), a live map of all buses, time-space diagrams, and commands: text messages, holding, short turns, extra trips, cancelled trips, vehicle swaps.',
      operations: 'The electronic waybill (planned and actual departures, arrivals and mileage per vehicle and driver), trips run vs planned, departure punctuality, missing vehicles, off-route, overlong layovers.',
      safety: 'The ADAS/DMS and JT/T 808 alarm queue (acknowledge, assign, resolve with a note), speeding per segment, harsh braking and acceleration, a weekly driver behaviour score.',
      equipment: 'Terminal online rate per line and depot, last report age, GPS quality, clock skew, card reader and passenger counter health.',
      service: 'On-time performance (early ≤ 1 min, late ≤ 5 min) by line, stop and hour, skipped stops, overlong dwells, crowding, and prediction accuracy.',
      analysis: 'Ridership by line, stop, hour and payment channel, load profiles, running times by segment, mileage; all exportable as CSV.',
    },
    notBuilt: 'This module is not built yet. It shows no data, so that nothing here can be taken for the real picture.',
    planned: 'When built, it will hold:',
    usersTitle: 'Users',
    auditTitle: 'Audit log',
    colUsername: 'Username',
    colName: 'Name',
    colRole: 'Role',
    colStatus: 'Status',
    colCreated: 'Created',
    colActions: 'Actions',
    active: 'Active',
    disabled: 'Disabled',
    disable: 'Disable',
    confirmDisable: 'Really disable?',
    you: ' (you)',
    addUser: 'Add a user',
    displayName: 'Display name',
    role: 'Role',
    newPassword: 'Initial password (at least 10 characters)',
    repeatPassword: 'Repeat the password',
    add: 'Add',
    added: (name) => `Added ${name}.`,
    disabledDone: (name) => `Disabled ${name}; all their sessions have ended.`,
    passwordShort: 'A password needs at least 10 characters.',
    passwordMismatch: 'The two passwords differ.',
    usernameTaken: 'That username is taken.',
    usernameRule: 'Username: 2–32 letters, digits, . _ or -, starting with a letter or digit.',
    colTime: 'Time',
    colWho: 'User',
    colAction: 'Action',
    colTarget: 'Target',
    colDetail: 'Detail',
    colClient: 'From',
    older: 'Older entries',
    noEntries: 'No entries.',
    actions: {
      login: 'Logged in',
      login_failed: 'Failed login',
      logout: 'Logged out',
      user_added: 'Added a user',
      user_disabled: 'Disabled a user',
      password_changed: 'Changed a password',
      message_sent: 'Sent a message',
    },
    loading: 'Loading…',
    loadError: 'Could not load',
    pickLine: 'Line',
    choose: 'Choose a line',
    pickLineFirst: 'Choose a line first.',
    liveBuses: (n) => `${n} live`,
    bunched: 'Bunched',
    gapped: 'Gap',
    adherence: { early: 'Early', on_time: 'On time', late: 'Late', unknown: 'Unknown' },
    spacing: { bunched: 'Bunched', gapped: 'Gap', normal: 'Normal', unknown: '—' },
    lateBy: (m) => `Late ${m} min`,
    earlyBy: (m) => `Early ${m} min`,
    minutes: (m) => `${m} min`,
    towards: (headsign) => `To ${headsign}`,
    scheduledHeadway: (m) => `scheduled every ${m} min`,
    stripSummary: (n, late, early, bunched, gapped) => `${n} live: ${late} late, ${early} early, ${bunched} bunched, ${gapped} with a gap.`,
    busList: 'Buses',
    colBus: 'Bus',
    colDirection: 'Direction',
    colNextStop: 'Next stop',
    colAdherence: 'Schedule',
    colHeadway: 'Behind the bus ahead',
    colSpacing: 'Spacing',
    colText: 'Text',
    colDelivery: 'Delivery',
    pickBus: 'Message',
    noBuses: 'No live bus on this line now.',
    sendMessage: 'Send a message',
    wholeLine: 'Whole line',
    toBus: (v) => `To: bus ${v}`,
    toLine: (line) => `To: every live bus of ${line}`,
    messageText: 'Text (1–200 characters, shown and read aloud on the bus)',
    send: 'Send',
    textRule: 'The text needs 1–200 characters.',
    messageQueued: (n) => `${n} message(s) queued; waiting for the terminals to confirm.`,
    sendError: 'Could not send',
    recentMessages: 'Recent messages',
    noMessages: 'No messages yet.',
    messagesOff: 'Messages are off: the server has no command outbox to the gateway.',
    delivery: {
      pending: 'Pending', sent: 'Sent', acked: 'Delivered', failed: 'Failed',
      unsupported: 'Not supported', timed_out: 'Timed out', offline: 'Terminal offline',
    },
  },
};

export const LANGS = ['zh', 'en'];
const STORAGE_KEY = 'busbrain.lang';
const listeners = new Set();

function initialLang() {
  const fromUrl = new URLSearchParams(window.location.search).get('lang');
  if (LANGS.includes(fromUrl)) return fromUrl;
  try {
    const saved = window.localStorage.getItem(STORAGE_KEY);
    if (LANGS.includes(saved)) return saved;
  } catch {
    // no storage (private mode): Chinese
  }
  return 'zh';
}

let lang = initialLang();

export function getLang() {
  return lang;
}

// t('modules', 'command') looks into nested tables; functions get the remaining arguments.
export function t(key, ...args) {
  let value = STRINGS[lang][key] ?? STRINGS.zh[key] ?? key;
  if (value && typeof value === 'object') {
    const [sub, ...rest] = args;
    value = value[sub] ?? STRINGS.zh[key]?.[sub] ?? sub;
    args = rest;
  }
  return typeof value === 'function' ? value(...args) : value;
}

export function setLang(next) {
  if (!LANGS.includes(next) || next === lang) return;
  lang = next;
  try {
    window.localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // kept for this page only
  }
  applyTexts();
  for (const fn of listeners) fn(lang);
}

export function onLangChange(fn) {
  listeners.add(fn);
}

export function applyTexts(root = document) {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  document.body.dataset.uiLang = lang;
  document.title = `${t('appName')} · busbrain`;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const button of root.querySelectorAll('button[data-lang]')) {
    button.setAttribute('aria-pressed', String(button.dataset.lang === lang));
  }
}

// "2026-12-01 08:30:15" in the city's time zone (Asia/Shanghai).
export function localTime(iso) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return iso;
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
  }).formatToParts(when);
  const part = (type) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')}`;
}

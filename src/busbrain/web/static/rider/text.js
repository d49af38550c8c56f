// The rider app's words, Chinese first, English beside. A value is a string or a function
// of numbers/names where the two languages order words differently. The language choice
// is shared with the map page (same storage key).

const STRINGS = {
  zh: {
    appName: '锦州公交',
    skipToContent: '跳到正文',
    back: '返回',
    elderMode: '长辈模式',
    tabHome: '首页',
    tabMap: '地图',
    tabReminders: '提醒',
    searchLabel: '搜索站点或线路',
    searchPlaceholder: '站名、拼音或首字母，如 zxgc',
    searchNone: '没有找到匹配的站点或线路',
    kindStation: '站点',
    kindLine: '线路',
    nearby: '附近站点',
    locate: '定位我',
    locating: '正在定位…',
    locateDenied: '无法获取位置：请允许定位，或直接搜索站点。',
    nearbyNone: '附近 800 米内没有站点',
    metres: (m) => (m < 1000 ? `${Math.round(m)}米` : `${(m / 1000).toFixed(1)}公里`),
    favourites: '我的收藏',
    favouritesNone: '在站点或线路页点 ☆ 收藏，常用的就在这里。',
    home: '家',
    work: '公司',
    setHome: '设为家',
    setWork: '设为公司',
    favourite: '收藏',
    unfavourite: '取消收藏',
    loading: '加载中…',
    loadError: '加载失败，稍后自动重试',
    notFound: '没有这个站点或线路',
    toward: (h) => `开往 ${h}`,
    stopsMinutes: (s, m) => (s === null ? `${m}分钟` : `${s}站 / ${m}分钟`),
    arriving: '即将到站',
    notDeparted: '未发车',
    scheduledAt: (hhmm) => `计划 ${hhmm}`,
    scheduled: '时刻表',
    live: '实时',
    updatedAgo: (s) => (s < 60 ? `${s}秒前更新` : `${Math.round(s / 60)}分钟前更新`),
    firstLast: (a, b) => `首班 ${a} · 末班 ${b}`,
    lastBusGone: '末班车已过',
    noBusSoon: '暂无车辆',
    liveLost: '实时数据中断，下列为计划时间',
    crowding: { comfortable: '舒适', busy: '较拥挤', crowded: '拥挤' },
    remind: '到站提醒',
    remindWhen: '提醒时机',
    remindStops: (n) => `还有${n}站时`,
    remindMinutes: (n) => `还有${n}分钟时`,
    remindSet: '设置提醒',
    remindCancel: '取消',
    remindSaved: (line, stop) => `已设置：${line} 到 ${stop} 前提醒`,
    remindersTitle: '我的提醒',
    remindersNone: '还没有提醒。在站点页点“到站提醒”，或在线路页选择乘坐的车辆设置下车提醒。',
    reminderWaiting: '等待中',
    reminderFired: '已提醒',
    reminderExpired: '已过期',
    reminderDelete: '删除',
    reminderArrival: (line, stop) => `${line} · ${stop}`,
    reminderAlight: (stop) => `下车提醒 · ${stop}`,
    byLive: '按实时预测',
    bySchedule: '按时刻表',
    lineStops: (n) => `${n}站`,
    liveBuses: (n) => `运行中 ${n} 辆`,
    switchDirection: '换向',
    timetable: '今日发车时刻',
    busAt: (label, stop, delay) => `${label}：驶向 ${stop}${delay}`,
    busStoppedAt: (label, stop, delay) => `${label}：停靠 ${stop}${delay}`,
    late: (m) => `，晚点${m}分钟`,
    early: (m) => `，早到${m}分钟`,
    busesOnLine: '车辆位置',
    rideThis: '我在这辆车上',
    riding: (label) => `正在乘坐 ${label}：点选下车站设置提醒`,
    alightHere: '在此下车',
    alightSaved: (stop) => `已设置下车提醒：${stop}`,
    stopN: (n) => `第${n}站`,
    reminderTitle: '公交提醒',
    bus: '公交车',
    arrivalSoon: (line, stop, stops, m) =>
      (stops !== null && stops !== undefined ? `${line}还有${stops}站（约${m}分钟）到达${stop}` : `${line}约${m}分钟后到达${stop}`),
    alightSoon: (stop) => `即将到达${stop}，请准备下车`,
  },
  en: {
    appName: 'Jinzhou Bus',
    skipToContent: 'Skip to content',
    back: 'Back',
    elderMode: 'Large text',
    tabHome: 'Home',
    tabMap: 'Map',
    tabReminders: 'Alerts',
    searchLabel: 'Search stops or lines',
    searchPlaceholder: 'Name, pinyin or initials, e.g. zxgc',
    searchNone: 'No matching stop or line',
    kindStation: 'Stop',
    kindLine: 'Line',
    nearby: 'Nearby stops',
    locate: 'Locate me',
    locating: 'Locating…',
    locateDenied: 'No position: allow location, or search for a stop.',
    nearbyNone: 'No stop within 800 m',
    metres: (m) => (m < 1000 ? `${Math.round(m)} m` : `${(m / 1000).toFixed(1)} km`),
    favourites: 'Saved',
    favouritesNone: 'Tap ☆ on a stop or line page to keep it here.',
    home: 'Home',
    work: 'Work',
    setHome: 'Set as home',
    setWork: 'Set as work',
    favourite: 'Save',
    unfavourite: 'Unsave',
    loading: 'Loading…',
    loadError: 'Could not load; retrying',
    notFound: 'No such stop or line',
    toward: (h) => `to ${h}`,
    stopsMinutes: (s, m) => (s === null ? `${m} min` : `${s} ${s === 1 ? 'stop' : 'stops'} / ${m} min`),
    arriving: 'Arriving',
    notDeparted: 'Not yet departed',
    scheduledAt: (hhmm) => `Sched. ${hhmm}`,
    scheduled: 'Timetable',
    live: 'Live',
    updatedAgo: (s) => (s < 60 ? `updated ${s} s ago` : `updated ${Math.round(s / 60)} min ago`),
    firstLast: (a, b) => `First ${a} · Last ${b}`,
    lastBusGone: 'Last bus has gone',
    noBusSoon: 'No bus soon',
    liveLost: 'Live data lost: timetable shown',
    crowding: { comfortable: 'Seats free', busy: 'Busy', crowded: 'Crowded' },
    remind: 'Alert me',
    remindWhen: 'Alert when',
    remindStops: (n) => `${n} ${n === 1 ? 'stop' : 'stops'} away`,
    remindMinutes: (n) => `${n} min away`,
    remindSet: 'Set alert',
    remindCancel: 'Cancel',
    remindSaved: (line, stop) => `Alert set: ${line} before ${stop}`,
    remindersTitle: 'My alerts',
    remindersNone: 'No alerts yet. Tap “Alert me” on a stop, or pick your bus on a line page for a get-off alert.',
    reminderWaiting: 'Waiting',
    reminderFired: 'Sent',
    reminderExpired: 'Expired',
    reminderDelete: 'Delete',
    reminderArrival: (line, stop) => `${line} · ${stop}`,
    reminderAlight: (stop) => `Get off at ${stop}`,
    byLive: 'by live prediction',
    bySchedule: 'by timetable',
    lineStops: (n) => `${n} stops`,
    liveBuses: (n) => `${n} running`,
    switchDirection: 'Reverse',
    timetable: "Today's departures",
    busAt: (label, stop, delay) => `${label}: heading for ${stop}${delay}`,
    busStoppedAt: (label, stop, delay) => `${label}: at ${stop}${delay}`,
    late: (m) => `, ${m} min late`,
    early: (m) => `, ${m} min early`,
    busesOnLine: 'Buses',
    rideThis: "I'm on this bus",
    riding: (label) => `On ${label}: tap your stop for a get-off alert`,
    alightHere: 'Get off here',
    alightSaved: (stop) => `Get-off alert set: ${stop}`,
    stopN: (n) => `stop ${n}`,
    reminderTitle: 'Bus alert',
    bus: 'Bus',
    arrivalSoon: (line, stop, stops, m) =>
      (stops !== null && stops !== undefined
        ? `${line} is ${stops} ${stops === 1 ? 'stop' : 'stops'} (about ${m} min) from ${stop}`
        : `${line} reaches ${stop} in about ${m} min`),
    alightSoon: (stop) => `${stop} is next: get ready to get off`,
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

export function t(key, ...args) {
  const value = STRINGS[lang][key] ?? STRINGS.zh[key] ?? key;
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
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) {
    el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  }
  for (const button of root.querySelectorAll('button[data-lang]')) {
    button.setAttribute('aria-pressed', String(button.dataset.lang === lang));
  }
}

// "zhong yang da jie" -> "Zhong Yang Da Jie"
export function titlePinyin(pinyin) {
  return (pinyin || '').replace(/\b([a-zü])/g, (c) => c.toUpperCase());
}

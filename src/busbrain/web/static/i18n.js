// The page's words in Chinese (default) and English. A value is a string, or a function
// of numbers/names for phrases whose word order differs between the two languages.

import { fillTexts, getLang, onLangChange, translator } from './lang.js';

const STRINGS = {
  zh: {
    title: '公交线网图',
    subtitle: 'busbrain · 公交云脑',
    routeList: '线路列表',
    filterPlaceholder: '搜索线路、终点站…',
    showAll: '显示全部',
    noRoutesMatch: '没有匹配的线路',
    mapLabel: '公交线网地图',
    loading: '正在加载线网…',
    loadError: '线网数据加载失败',
    emptyNetwork: '线网为空：请先导入 GTFS 数据。',
    zoomHint: '放大地图可查看站点',
    statRoutes: (n) => ['线路', n, '条'],
    statStops: (n) => ['站点', n, '个'],
    statPatterns: (n) => ['走向', n, '个'],
    statTrips: (n) => ['班次', n, '个'],
    source: '数据',
    colon: '：',
    importedAt: '导入于',
    patternCount: (n) => `${n} 个走向`,
    toward: (h) => `开往 ${h}`,
    direction: (d) => (d === 0 ? '上行' : d === 1 ? '下行' : ''),
    stopCode: '站码',
    servedBy: '途经线路',
    station: '车站',
    stopPole: '站台',
    zoomIn: '放大',
    zoomOut: '缩小',
    back: '返回',
    backLabel: '返回乘客应用',
    bus: '公交车',
    plate: '车牌',
    schedule: '时刻',
    reported: '位置更新',
    nextStop: (s) => `下一站 ${s}`,
    atStop: (s) => `停靠 ${s}`,
    late: (m) => `晚点 ${m} 分钟`,
    early: (m) => `早 ${m} 分钟`,
    onTime: '准点',
    reportAge: (s) => (s < 60 ? `${Math.round(s)} 秒前` : `${Math.round(s / 60)} 分钟前`),
    staleNote: '位置较旧',
    offRoute: '偏离线路',
    notInService: '非运营',
    liveCount: (n) => `${n} 辆在线`,
    busesOnRoute: (n) => `在线车辆 ${n} 辆`,
    noBusesOnRoute: '该线路暂无在线车辆',
    listSep: '，',
  },
  en: {
    title: 'Bus network map',
    subtitle: 'busbrain · bus cloud brain',
    routeList: 'Routes',
    filterPlaceholder: 'Find a route or terminus…',
    showAll: 'Show all',
    noRoutesMatch: 'No matching routes',
    mapLabel: 'Bus network map',
    loading: 'Loading the network…',
    loadError: 'Could not load the network',
    emptyNetwork: 'The network is empty: import a GTFS feed first.',
    zoomHint: 'Zoom in to see stops',
    statRoutes: (n) => ['', n, n === 1 ? 'route' : 'routes'],
    statStops: (n) => ['', n, n === 1 ? 'stop' : 'stops'],
    statPatterns: (n) => ['', n, n === 1 ? 'pattern' : 'patterns'],
    statTrips: (n) => ['', n, n === 1 ? 'trip' : 'trips'],
    source: 'Source',
    colon: ': ',
    importedAt: 'Imported',
    patternCount: (n) => `${n} ${n === 1 ? 'pattern' : 'patterns'}`,
    toward: (h) => `to ${h}`,
    direction: (d) => (d === 0 || d === 1 ? `direction ${d}` : ''),
    stopCode: 'Code',
    servedBy: 'Routes',
    station: 'Station',
    stopPole: 'Stop',
    zoomIn: 'Zoom in',
    zoomOut: 'Zoom out',
    back: 'Back',
    backLabel: 'Back to the rider app',
    bus: 'Bus',
    plate: 'Plate',
    schedule: 'Schedule',
    reported: 'Position',
    nextStop: (s) => `Next stop: ${s}`,
    atStop: (s) => `At ${s}`,
    late: (m) => `${m} min late`,
    early: (m) => `${m} min early`,
    onTime: 'On time',
    reportAge: (s) => (s < 60 ? `${Math.round(s)} s ago` : `${Math.round(s / 60)} min ago`),
    staleNote: 'old position',
    offRoute: 'off route',
    notInService: 'Not in service',
    liveCount: (n) => `${n} live`,
    busesOnRoute: (n) => `${n} live ${n === 1 ? 'bus' : 'buses'}`,
    noBusesOnRoute: 'No live buses on this route',
    listSep: ', ',
  },
};

// Shown in both languages at once: whoever reads it must be able to act on it.
export const VENDOR_MISSING = {
  zh: '前端依赖包（Leaflet）未安装，地图无法显示。请在 src/busbrain/web 目录运行 npm ci，然后刷新页面。',
  en: 'The front-end packages (Leaflet) are not installed, so the map cannot be drawn. ' +
    'Run npm ci in src/busbrain/web, then reload this page.',
};

export { LANGS, getLang, onLangChange, setLang } from './lang.js';

export const t = translator(STRINGS);

export function formatNumber(n) {
  return Number(n).toLocaleString(getLang() === 'zh' ? 'zh-CN' : 'en-US');
}

export function formatDateTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toLocaleString(getLang() === 'zh' ? 'zh-CN' : 'en-GB', {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  });
}

// Fills elements marked data-i18n (text), data-i18n-placeholder and data-i18n-aria-label.
export function applyStaticTexts(root = document) {
  fillTexts(t, root);
  document.title = `${t('title')} · busbrain`;
}

onLangChange(() => applyStaticTexts());

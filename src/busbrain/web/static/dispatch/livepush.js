// The console's live push: one WebSocket (/api/v1/dispatch/ws, logged in by the session
// cookie) shared by every view that wants to redraw when a new live snapshot is out. The
// server sends {type: 'snapshot', made_at, vehicles} at most once a second, with the fleet
// answer in it (`fleet`) while a view subscribed to it. When the socket cannot open or
// drops, each view falls back to polling at its own period and the socket is tried again
// (5 s, then doubling up to a minute); a small indicator says 实时 (live) or 轮询
// (polling). ?push=off in the address forces polling.
//
// <body data-push-mode> is "live" or "poll"; data-push-messages counts the messages.

import { h } from './bits.js';
import { translator } from '../lang.js';

const t = translator({
  zh: { live: '实时', poll: '轮询', liveTitle: '实时推送：有新的车辆数据时立即更新', pollTitle: (s) => `实时推送不可用：每 ${s} 秒刷新一次` },
  en: { live: 'Live', poll: 'Polling', liveTitle: 'Live push: updates as soon as new bus data is out', pollTitle: (s) => `Live push unavailable: refreshing every ${s} s` },
});

const PATH = '/api/v1/dispatch/ws';
const RETRY_FIRST_MS = 5000;
const RETRY_MAX_MS = 60000;

const subscribers = new Set(); // { fleet, pollSeconds, onUpdate, timer }
const indicators = new Set();
let socket = null;
let live = false;
let retryMs = RETRY_FIRST_MS;
let retryTimer = null;
let messages = 0;

function pushOff() {
  return new URLSearchParams(window.location.search).get('push') === 'off';
}

function wantsFleet() {
  return [...subscribers].some((s) => s.fleet);
}

function paintIndicators() {
  document.body.dataset.pushMode = live ? 'live' : 'poll';
  const slowest = Math.min(...[...subscribers].map((s) => s.pollSeconds), 5);
  for (const el of indicators) {
    el.textContent = t(live ? 'live' : 'poll');
    el.dataset.mode = live ? 'live' : 'poll';
    el.title = live ? t('liveTitle') : t('pollTitle', slowest);
  }
}

function startPolling(sub) {
  if (sub.timer === null) sub.timer = window.setInterval(() => sub.onUpdate(null), sub.pollSeconds * 1000);
}

function stopPolling(sub) {
  if (sub.timer !== null) window.clearInterval(sub.timer);
  sub.timer = null;
}

function setLive(next) {
  live = next;
  for (const sub of subscribers) (live ? stopPolling : startPolling)(sub);
  paintIndicators();
}

function sendSubscription() {
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify({ subscribe: wantsFleet() ? ['fleet'] : [] }));
  }
}

function connect() {
  retryTimer = null;
  if (socket || !subscribers.size || pushOff()) return;
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  const query = wantsFleet() ? '?subscribe=fleet' : '';
  let ws;
  try {
    ws = new WebSocket(`${scheme}://${window.location.host}${PATH}${query}`);
  } catch {
    scheduleRetry();
    return;
  }
  socket = ws;
  ws.addEventListener('open', sendSubscription); // views may have come while it opened
  ws.addEventListener('message', (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (message.type !== 'snapshot') return;
    if (!live) setLive(true);
    retryMs = RETRY_FIRST_MS;
    messages += 1;
    document.body.dataset.pushMessages = String(messages);
    for (const sub of [...subscribers]) sub.onUpdate(message);
  });
  ws.addEventListener('close', () => {
    if (socket !== ws) return;
    socket = null;
    setLive(false);
    scheduleRetry();
  });
}

function scheduleRetry() {
  if (retryTimer !== null || !subscribers.size) return;
  retryTimer = window.setTimeout(connect, retryMs);
  retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
}

function disconnect() {
  if (retryTimer !== null) window.clearTimeout(retryTimer);
  retryTimer = null;
  const ws = socket;
  socket = null;
  live = false;
  if (ws) ws.close();
}

// Calls onUpdate(message) for every pushed snapshot (message.fleet is there when `fleet`),
// or onUpdate(null) every `pollSeconds` while the socket is down. Returns { close() }.
export function subscribe({ fleet = false, pollSeconds = 5, onUpdate }) {
  const sub = { fleet, pollSeconds, onUpdate, timer: null };
  subscribers.add(sub);
  if (!live) startPolling(sub);
  if (socket) sendSubscription();
  else connect();
  paintIndicators();
  return {
    close() {
      stopPolling(sub);
      subscribers.delete(sub);
      if (!subscribers.size) disconnect();
      else if (fleet) sendSubscription();
      paintIndicators();
    },
  };
}

// A small 实时/轮询 badge following the socket's state: { el, release() }.
export function pushIndicator() {
  const el = h('span', { className: 'fleet-push', role: 'status' });
  indicators.add(el);
  paintIndicators();
  return { el, release: () => indicators.delete(el) };
}

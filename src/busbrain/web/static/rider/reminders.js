// Reminders: subscribe at the server, listen on Server-Sent Events, tell the rider once.
//
// The server keeps reminders in memory; the device keeps what it asked for, so after a
// server restart (the reminder's id answers 404) the app simply asks again.

import { HttpError, getJson, postJson, serverNow } from './api.js';
import { dropReminder, putReminder, reminders } from './prefs.js';
import { t } from './text.js';

const streams = new Map(); // key -> EventSource
let onFire = () => {};

export function setFireHandler(fn) {
  onFire = fn;
}

function newKey() {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

// `label` names the reminder in the list (line · stop); `stopName` goes into its message.
export async function subscribe(body, label, stopName) {
  if ('Notification' in window && Notification.permission === 'default') {
    Notification.requestPermission().catch(() => {});
  }
  const made = await postJson('/api/v1/reminders', body);
  const entry = {
    key: newKey(), id: made.reminder_id, body, label, stopName, state: 'waiting', message: null,
    created: Date.now(),
  };
  putReminder(entry);
  listen(entry);
  return entry;
}

function update(entry, change) {
  const next = { ...entry, ...change };
  putReminder(next);
  return next;
}

function listen(entry) {
  streams.get(entry.key)?.close();
  const source = new EventSource(`/api/v1/reminders/${encodeURIComponent(entry.id)}/events`);
  streams.set(entry.key, source);
  source.addEventListener('reminder', (event) => {
    source.close();
    streams.delete(entry.key);
    let state = {};
    try {
      state = JSON.parse(event.data);
    } catch {
      // keep what we know
    }
    const fired = update(entry, {
      state: 'fired', message: state.message || null, fired: Date.now(), firedUnix: state.fired_unix,
    });
    onFire(fired);
  });
  source.addEventListener('expired', () => {
    source.close();
    streams.delete(entry.key);
    update(entry, { state: 'expired' });
  });
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) recover(entry);
  });
}

// The stream closed for good: ask whether the server still knows the reminder.
async function recover(entry) {
  streams.delete(entry.key);
  try {
    await getJson(`/api/v1/reminders/${encodeURIComponent(entry.id)}`);
    window.setTimeout(() => listen(entry), 3000);
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) {
      try {
        const made = await postJson('/api/v1/reminders', entry.body);
        listen(update(entry, { id: made.reminder_id }));
      } catch {
        window.setTimeout(() => recover(entry), 10000);
      }
    } else {
      window.setTimeout(() => recover(entry), 10000);
    }
  }
}

export function resumeAll() {
  for (const entry of reminders()) {
    if (entry.state === 'waiting' && !streams.has(entry.key)) listen(entry);
  }
}

export async function cancel(entry) {
  streams.get(entry.key)?.close();
  streams.delete(entry.key);
  dropReminder(entry.key);
  if (entry.state === 'waiting') {
    try {
      await getJson(`/api/v1/reminders/${encodeURIComponent(entry.id)}`, { method: 'DELETE' });
    } catch {
      // already gone at the server
    }
  }
}

// The message in the rider's language, from the fields the server sent.
export function notifyText(entry) {
  const m = entry.message;
  if (!m) return t('reminderTitle');
  const stop = entry.stopName || '';
  if (entry.body.kind === 'alight') return t('alightSoon', stop);
  const at = Number.isFinite(entry.firedUnix) ? entry.firedUnix : serverNow();
  const minutes = Math.max(0, Math.round((m.arrival_unix - at) / 60));
  return t('arrivalSoon', m.line || entry.label || '', stop, m.stops_away, minutes);
}

// A system notification too, when the rider allowed them (the page may be in the background).
export function systemNotify(entry) {
  if (navigator.vibrate) navigator.vibrate([200, 100, 200]);
  if ('Notification' in window && Notification.permission === 'granted') {
    try {
      new Notification(t('reminderTitle'), { body: notifyText(entry), tag: entry.key });
    } catch {
      // some browsers only notify from a service worker; the in-page alert still shows
    }
  }
}

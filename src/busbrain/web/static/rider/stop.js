// A stop's page: per line and direction, the next buses counting down ("3站 / 5分钟",
// "即将到站"), live or timetable (clearly marked), the prediction's age, crowding, first
// and last bus; a reminder per line; favourite, home and work.
//
// The board is fetched every refresh and counted down every second in between, on the
// server's clock.

import { HttpError, clock, getJson, noteServerTime, refreshSeconds, serverNow } from './api.js';
import { h, lifecycle, lineBadge, lineHref, markReady, starButton } from './bits.js';
import { isFavouriteStop, prefs, setPlace, toggleFavouriteStop } from './prefs.js';
import { subscribe } from './reminders.js';
import { getLang, t, titlePinyin } from './text.js';

const SOON_S = 60;
const REMIND_CHOICES = [
  { stops_away: 1 }, { stops_away: 2 }, { stops_away: 3 },
  { minutes: 3 }, { minutes: 5 }, { minutes: 10 },
];

// What a rider reads for one bus, from its board entry and the current server time.
export function arrivalText(a, now) {
  const secs = a.arrival_unix - now;
  const minutes = Math.max(0, Math.round(secs / 60));
  if (a.cancelled) return { state: 'cancelled', minutes, big: t('cancelled') }; // a dispatcher's change
  if (!a.live) {
    return { state: 'scheduled', minutes, big: a.not_yet_departed && secs > 3600 ? t('scheduledAt', clock(a.arrival_unix)) : t('stopsMinutes', null, Math.max(minutes, 0)) };
  }
  if (a.arriving || secs <= SOON_S || a.stops_away === 0) {
    return { state: 'arriving', minutes, big: t('arriving') };
  }
  return { state: 'live', minutes, big: t('stopsMinutes', a.stops_away ?? null, Math.max(1, minutes)) };
}

function arrivalRow(a, now, first) {
  const text = arrivalText(a, now);
  const tags = [];
  if (a.live) tags.push(h('span', { className: 'tag live' }, t('live')));
  else tags.push(h('span', { className: 'tag scheduled' }, t('scheduled')));
  if (a.extra) tags.push(h('span', { className: 'tag extra' }, t('extraTrip')));
  if (a.not_yet_departed) tags.push(h('span', { className: 'tag' }, t('notDeparted')));
  if (a.crowding) tags.push(h('span', { className: `tag crowd-${a.crowding}` }, t('crowding')[a.crowding]));
  if (!a.live) tags.push(h('span', { className: 'tag secondary' }, t('scheduledAt', clock(a.arrival_unix))));
  if (a.live && a.prediction_age_s !== null && a.prediction_age_s !== undefined) {
    tags.push(h('span', { className: 'age secondary' }, t('updatedAgo', Math.max(0, a.prediction_age_s))));
  }
  return h('li', {
    className: `arrival ${first ? 'next' : 'later secondary'} ${text.state}`,
    dataset: {
      tripId: a.trip_id, state: text.state, minutes: String(text.minutes),
      stopsAway: a.stops_away === null || a.stops_away === undefined ? '' : String(a.stops_away),
      arrivalUnix: String(a.arrival_unix),
    },
  },
  h('span', { className: 'countdown' }, text.big),
  a.label ? h('span', { className: 'plate secondary' }, a.label) : null,
  h('span', { className: 'tags' }, tags));
}

function reminderForm(stop, line, toast) {
  const select = h('select', { 'aria-label': t('remindWhen') },
    REMIND_CHOICES.map((c, i) => h('option', { value: String(i) },
      c.stops_away ? t('remindStops', c.stops_away) : t('remindMinutes', c.minutes))));
  select.value = '4';
  const basis = line.live_status === 'live' ? 'live' : 'schedule';
  const form = h('form', { className: 'remind-form', hidden: true },
    h('label', {}, t('remindWhen'), ' ', select),
    h('span', { className: 'hint' }, basis === 'live' ? t('byLive') : t('bySchedule')),
    h('button', { type: 'submit', className: 'pill primary' }, t('remindSet')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const choice = REMIND_CHOICES[Number(select.value)];
    try {
      await subscribe({
        kind: 'arrival', stop_id: stop.stop_id, route_id: line.route_id,
        direction_id: line.direction_id, basis, ...choice,
      }, t('reminderArrival', line.line, stop.name), stop.name);
      form.hidden = true;
      toast(t('remindSaved', line.line, stop.name));
      document.body.dataset.reminderSet = `${line.route_id}/${line.direction_id}`;
    } catch (error) {
      toast(String(error.message));
    }
  });
  return form;
}

function lineCard(stop, line, now, toast, openForms) {
  const key = `${line.route_id}/${line.direction_id}`;
  const form = reminderForm(stop, line, toast);
  form.hidden = !openForms.has(key);
  const remind = h('button', {
    type: 'button', className: 'pill remind', 'aria-expanded': String(!form.hidden),
  }, h('img', { src: '/static/rider/bell.svg', alt: '', width: 16, height: 16 }), t('remind'));
  remind.addEventListener('click', () => {
    form.hidden = !form.hidden;
    if (form.hidden) openForms.delete(key);
    else openForms.add(key);
    remind.setAttribute('aria-expanded', String(!form.hidden));
  });
  const arrivals = line.arrivals.map((a, i) => arrivalRow(a, now, i === 0));
  let status = null;
  if (line.live_status === 'lost') status = h('p', { className: 'warn' }, t('liveLost'));
  const empty = line.arrivals.length === 0
    ? h('li', { className: 'arrival none' }, line.last_bus_gone ? t('lastBusGone') : t('noBusSoon'))
    : null;
  const firstLast = line.first_bus_unix
    ? h('span', { className: 'first-last secondary' }, t('firstLast', clock(line.first_bus_unix), clock(line.last_bus_unix)))
    : null;
  return h('section', {
    className: 'card line-card', dataset: { routeId: line.route_id, directionId: String(line.direction_id), liveStatus: line.live_status },
    'aria-label': `${line.line} ${line.headsign ? t('toward', line.headsign) : ''}`,
  },
  h('a', { className: 'line-head', href: lineHref(line.route_id, line.direction_id, stop.stop_id) },
    lineBadge(line.route_id, line.line),
    h('span', { className: 'headsign' }, line.headsign ? t('toward', line.headsign) : ''),
    h('span', { className: 'chevron', 'aria-hidden': 'true' }, '›')),
  status,
  h('ul', { className: 'arrivals' }, arrivals, empty),
  h('div', { className: 'line-foot' }, firstLast, remind),
  form);
}

export function stopView(root, { id, toast, setTitle }) {
  const life = lifecycle();
  const head = h('section', { className: 'card stop-head' });
  const boardEl = h('div', { className: 'board', 'aria-live': 'polite', 'aria-busy': 'true' },
    h('p', { className: 'hint' }, t('loading')));
  const openForms = new Set();
  let data = null;
  root.append(head, boardEl);

  function drawHead() {
    const stop = { id, name: data.name };
    const place = (which, label) => {
      const on = prefs()[which] && prefs()[which].id === id;
      const b = h('button', { type: 'button', className: 'pill', 'aria-pressed': String(Boolean(on)) }, label);
      b.addEventListener('click', () => {
        setPlace(which, on ? null : stop);
        drawHead();
      });
      return b;
    };
    head.replaceChildren(
      h('div', { className: 'stop-title' },
        h('h2', {}, data.name),
        starButton(() => isFavouriteStop(id), () => toggleFavouriteStop(stop))),
      h('p', { className: 'pinyin secondary', lang: 'zh-Latn-pinyin' },
        getLang() === 'en' ? titlePinyin(data.pinyin) : data.pinyin),
      h('div', { className: 'places secondary' }, place('home', t('setHome')), place('work', t('setWork'))),
    );
  }

  function draw() {
    // a rider choosing in a reminder form keeps it (and their focus) until they are done
    const choosing = document.activeElement && document.activeElement.closest('.board form');
    if (choosing && !choosing.hidden) {
      tick();
      return;
    }
    const now = serverNow();
    boardEl.replaceChildren(...data.lines.map((line) => lineCard(data, line, now, toast, openForms)));
    boardEl.setAttribute('aria-busy', 'false');
  }

  // Between fetches only the countdowns change.
  function tick() {
    if (!data) return;
    const now = serverNow();
    for (const row of boardEl.querySelectorAll('li.arrival[data-arrival-unix]')) {
      const line = row.closest('.line-card');
      const entry = data.lines
        .find((l) => l.route_id === line.dataset.routeId && String(l.direction_id) === line.dataset.directionId)
        ?.arrivals.find((a) => a.trip_id === row.dataset.tripId);
      if (!entry) continue;
      const text = arrivalText(entry, now);
      row.querySelector('.countdown').textContent = text.big;
      row.dataset.minutes = String(text.minutes);
      row.dataset.state = text.state;
      row.classList.remove('arriving', 'live', 'scheduled', 'cancelled');
      row.classList.add(text.state);
    }
  }

  async function load() {
    try {
      const next = await getJson(`/api/v1/stops/${encodeURIComponent(id)}/arrivals?per_line=3`);
      if (!life.alive) return;
      noteServerTime(next.now_unix);
      const first = data === null;
      data = next;
      if (first) {
        setTitle(data.name);
        drawHead();
      }
      draw();
      markReady();
    } catch (error) {
      if (!life.alive) return;
      if (error instanceof HttpError && error.status === 404) {
        boardEl.replaceChildren(h('p', { className: 'warn' }, t('notFound')));
        life.stop();
      } else if (data === null) {
        boardEl.replaceChildren(h('p', { className: 'warn' }, t('loadError')));
      }
    }
  }

  load();
  life.every(refreshSeconds(), load);
  life.every(1, tick);
  return { unmount: () => life.stop() };
}

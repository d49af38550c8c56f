// A line's page: the stop strip of one direction with every live bus placed between its
// stops (moving as new positions come), a list of the same buses for screen readers,
// today's departures, and the get-off reminder: pick the bus you are on, then your stop.

import { HttpError, clock, getJson, noteServerTime, refreshSeconds } from './api.js';
import { h, lifecycle, lineBadge, lineHref, markReady, starButton, stopHref } from './bits.js';
import { isFavouriteLine, toggleFavouriteLine } from './prefs.js';
import { subscribe } from './reminders.js';
import { getLang, t, titlePinyin } from './text.js';

function delayText(delayS) {
  if (delayS === null || delayS === undefined) return '';
  const m = Math.round(delayS / 60);
  if (m >= 2) return t('late', m);
  if (m <= -2) return t('early', -m);
  return '';
}

function busSentence(bus, stops) {
  const next = stops.find((s) => s.stop_id === bus.next_stop_id);
  const name = next ? next.name : (bus.next_stop_id || '?');
  const label = bus.label || bus.vehicle_id;
  return bus.status === 'STOPPED_AT'
    ? t('busStoppedAt', label, name, delayText(bus.delay_s))
    : t('busAt', label, name, delayText(bus.delay_s));
}

export function lineView(root, { id, params, toast, setTitle }) {
  const life = lifecycle();
  const here = params.get('stop');
  let direction = params.has('dir') ? Number(params.get('dir')) : null;
  let data = null;
  let riding = null; // { vehicle_id, trip_id, label } of the bus I am on

  const head = h('section', { className: 'card line-top' });
  const stripCard = h('section', { className: 'card strip-card' });
  const busList = h('ul', { className: 'list bus-list', id: 'bus-list', 'aria-live': 'polite' });
  const timetable = h('details', { className: 'card timetable' });
  root.append(head, stripCard,
    h('section', { className: 'card', 'aria-labelledby': 'buses-title' },
      h('h2', { id: 'buses-title' }, t('busesOnLine')), busList),
    timetable);

  function dirData() {
    if (!data || data.directions.length === 0) return null;
    return data.directions.find((d) => d.direction_id === direction) || data.directions[0];
  }

  function drawHead() {
    const d = dirData();
    const others = data.directions.filter((x) => x !== d);
    const swap = others.length
      ? h('button', { type: 'button', className: 'pill', id: 'swap' }, `⇅ ${t('switchDirection')}`)
      : null;
    if (swap) {
      swap.addEventListener('click', () => {
        direction = others[0].direction_id;
        riding = null;
        window.history.replaceState(null, '', lineHref(id, direction, here));
        drawAll();
      });
    }
    const deps = d.departures_unix;
    head.replaceChildren(
      h('div', { className: 'stop-title' },
        lineBadge(id, data.line),
        h('h2', {}, d.headsign ? t('toward', d.headsign) : data.line),
        starButton(() => isFavouriteLine(id), () => toggleFavouriteLine({ id, name: data.line }))),
      h('p', { className: 'line-meta' },
        h('span', {}, t('lineStops', d.stops.length)),
        h('span', { id: 'live-count' }, t('liveBuses', d.buses.length)),
        deps.length ? h('span', { className: 'secondary' }, t('firstLast', clock(deps[0]), clock(deps[deps.length - 1]))) : null),
      swap,
    );
  }

  function drawStrip() {
    const d = dirData();
    const isHere = (s) => here && (s.stop_id === here || s.station_id === here);
    const rows = d.stops.map((s) => {
      const past = riding && busOf(riding.vehicle_id) && s.index <= Math.floor(busOf(riding.vehicle_id).strip_at || 0);
      const alight = riding && !past
        ? h('button', { type: 'button', className: 'pill alight', dataset: { stopId: s.stop_id } }, t('alightHere'))
        : null;
      if (alight) {
        alight.addEventListener('click', async () => {
          try {
            await subscribe({ kind: 'alight', stop_id: s.stop_id, trip_id: riding.trip_id, stops_away: 1 },
              t('reminderAlight', s.name), s.name);
            toast(t('alightSaved', s.name));
            riding = null;
            drawStrip();
          } catch (error) {
            toast(String(error.message));
          }
        });
      }
      return h('li', {
        className: `stop-row${isHere(s) ? ' here' : ''}`,
        dataset: { index: String(s.index), stopId: s.stop_id },
        'aria-current': isHere(s) ? 'location' : undefined,
      },
      h('span', { className: 'dot', 'aria-hidden': 'true' }),
      h('span', { className: 'seq secondary' }, String(s.index)),
      h('a', { className: 'stop-name', href: stopHref(s.station_id || s.stop_id) },
        s.name,
        getLang() === 'en' ? h('span', { className: 'pinyin' }, ` ${titlePinyin(s.pinyin)}`) : null),
      alight);
    });
    const layer = h('div', { className: 'bus-layer' });
    for (const bus of d.buses) {
      if (bus.strip_at === null || bus.strip_at === undefined) continue;
      const el = h('button', {
        type: 'button',
        className: `bus${bus.fix_age_s > 120 ? ' stale' : ''}${riding && riding.vehicle_id === bus.vehicle_id ? ' riding' : ''}`,
        dataset: { vehicleId: bus.vehicle_id, stripAt: String(bus.strip_at) },
        'aria-label': busSentence(bus, d.stops),
        title: busSentence(bus, d.stops),
        style: { top: `calc(var(--row-h) * ${bus.strip_at - 1} + var(--row-h) / 2)` },
      }, h('img', { src: '/static/rider/bus.svg', alt: '', width: 20, height: 20 }));
      el.addEventListener('click', () => {
        riding = riding && riding.vehicle_id === bus.vehicle_id
          ? null : { vehicle_id: bus.vehicle_id, trip_id: bus.trip_id, label: bus.label || bus.vehicle_id };
        drawStrip();
      });
      layer.append(el);
    }
    const note = riding ? [h('p', { className: 'riding-note', role: 'status' }, t('riding', riding.label))] : [];
    stripCard.replaceChildren(
      ...note,
      h('div', { className: 'strip-wrap' }, h('ol', { className: 'strip', id: 'strip' }, rows), layer),
    );
  }

  function busOf(vehicleId) {
    return dirData().buses.find((b) => b.vehicle_id === vehicleId);
  }

  function drawBusList() {
    const d = dirData();
    busList.replaceChildren(...d.buses.map((bus) => {
      const ride = h('button', { type: 'button', className: 'pill' }, t('rideThis'));
      ride.addEventListener('click', () => {
        riding = { vehicle_id: bus.vehicle_id, trip_id: bus.trip_id, label: bus.label || bus.vehicle_id };
        drawStrip();
        stripCard.scrollIntoView({ block: 'start' });
      });
      return h('li', { className: 'row', dataset: { vehicleId: bus.vehicle_id } },
        h('span', { className: 'name' }, busSentence(bus, d.stops)),
        bus.crowding ? h('span', { className: `tag crowd-${bus.crowding}` }, t('crowding')[bus.crowding]) : null,
        bus.trip_id ? ride : null);
    }));
  }

  function drawTimetable() {
    const d = dirData();
    timetable.replaceChildren(
      h('summary', {}, `${t('timetable')} (${d.departures_unix.length})`),
      h('ol', { className: 'departures' }, d.departures_unix.map((u) => h('li', {}, clock(u)))),
    );
  }

  function drawAll() {
    const d = dirData();
    if (!d) return;
    if (riding && !busOf(riding.vehicle_id)) riding = null;
    drawHead();
    drawStrip();
    drawBusList();
    drawTimetable();
  }

  async function load() {
    try {
      const next = await getJson(`/api/v1/routes/${encodeURIComponent(id)}`);
      if (!life.alive) return;
      noteServerTime(next.now_unix);
      const first = data === null;
      data = next;
      if (first) {
        setTitle(data.line);
        if (direction === null && here) {
          const withStop = data.directions.find((d) => d.stops.some((s) => s.stop_id === here || s.station_id === here));
          if (withStop) direction = withStop.direction_id;
        }
        if (direction === null && data.directions.length) direction = data.directions[0].direction_id;
      }
      drawAll();
      if (first && here) stripCard.querySelector('.stop-row.here')?.scrollIntoView({ block: 'center' });
      markReady();
    } catch (error) {
      if (!life.alive) return;
      if (error instanceof HttpError && error.status === 404) {
        head.replaceChildren(h('p', { className: 'warn' }, t('notFound')));
        life.stop();
      } else if (data === null) {
        head.replaceChildren(h('p', { className: 'warn' }, t('loadError')));
      }
    }
  }

  load();
  life.every(refreshSeconds(), load);
  return { unmount: () => life.stop() };
}

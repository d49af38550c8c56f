// 调度指挥 (dispatch command): pick a line, see both directions as a strip of stops with
// every live bus between them, coloured by schedule adherence and flagged 串车 (bunched)
// or 大间隔 (gap) in words too; a table lists the same buses for screen readers and
// keyboards. "发送消息" sends a text (JT/T 808 0x8300) to the bus picked or to every live
// bus of the line; the recent messages below show their delivery status. Everything
// refreshes on each live snapshot the socket pushes (livepush.js), or every 5 s when it
// cannot (?refresh=N seconds to change that), without reloading the page.

import { call } from './api.js';
import { h, markReady, statusLine, table } from './bits.js';
import { localTime, t } from './text.js';
import { commandTabs } from './commandtabs.js';
import { subscribe } from './livepush.js';
import { tripCommands, tripFlag } from './tripcmds.js';

const MAX_TEXT = 200;

// Custom properties need setProperty (assigning el.style['--at'] does nothing).
function withVar(el, name, value) {
  el.style.setProperty(name, String(value));
  return el;
}

function refreshSeconds() {
  const asked = Number(new URLSearchParams(window.location.search).get('refresh'));
  return Number.isFinite(asked) && asked >= 0.5 ? asked : 5;
}

function flagText(bus) {
  if (bus.bunched) return t('bunched');
  if (bus.gapped) return t('gapped');
  return '';
}

function delayText(bus) {
  if (bus.delay_min === null || bus.delay_min === undefined) return t('adherence', 'unknown');
  if (bus.adherence === 'on_time') return t('adherence', 'on_time');
  return t(bus.adherence === 'late' ? 'lateBy' : 'earlyBy', Math.abs(bus.delay_min).toFixed(1));
}

function headwayText(bus) {
  if (bus.headway_s === null || bus.headway_s === undefined) return '—';
  return t('minutes', (bus.headway_s / 60).toFixed(1));
}

export function commandPage(el, { me }) {
  let alive = true;
  let routeId = new URLSearchParams(window.location.hash.split('?')[1] || '').get('line');
  let picked = null; // vehicle_id the message goes to; null: the whole line
  let strip = null;
  const maySend = me.permissions.includes('send:commands');
  const status = statusLine('command-message');
  const picker = h('select', { id: 'command-line', onchange: () => pickLine(picker.value) });
  const summary = h('p', { className: 'hint', id: 'command-summary' });
  const strips = h('div', { id: 'command-strip', className: 'strips', 'aria-hidden': 'true' });
  const buses = table('command-buses', [
    t('colBus'), t('colDirection'), t('colNextStop'), t('colAdherence'), t('colHeadway'), t('colSpacing'), '',
  ]);
  buses.el.setAttribute('aria-label', t('busList'));
  const messages = table('command-messages', [
    t('colTime'), t('colTarget'), t('colText'), t('colWho'), t('colDelivery'),
  ]);
  const form = messageForm();
  const trips = tripCommands({ maySend, status, onChange: () => refresh() }); // trip commands
  const parts = [
    h('h2', {}, t('modules', 'command')),
    status,
    h('label', { className: 'field line-pick' }, h('span', {}, t('pickLine')), picker),
    summary,
    strips,
    h('h3', {}, t('busList')),
    buses.el,
    maySend ? h('h3', {}, t('sendMessage')) : null,
    maySend ? form.el : null,
    trips.el,
    h('h3', {}, t('recentMessages')),
    messages.el,
  ];
  el.append(...parts.filter(Boolean)); // (append(null) would add the text "null")

  function messageForm() {
    const target = h('p', { id: 'message-target', className: 'hint' });
    const whole = h('button', { type: 'button', className: 'pill', id: 'message-whole-line', onclick: () => pick(null) }, t('wholeLine'));
    const text = h('textarea', { id: 'message-text', maxLength: MAX_TEXT, rows: 2, required: true });
    const count = h('span', { className: 'hint', id: 'message-count' }, `0/${MAX_TEXT}`);
    text.addEventListener('input', () => { count.textContent = `${[...text.value].length}/${MAX_TEXT}`; });
    const send = h('button', { type: 'submit', className: 'primary', id: 'message-send' }, t('send'));
    const formEl = h(
      'form',
      { className: 'message-form', id: 'message-form', onsubmit: submit },
      h('div', { className: 'target-row' }, target, whole),
      h('label', { className: 'field' }, h('span', {}, t('messageText')), text),
      h('div', { className: 'target-row' }, send, count),
    );
    async function submit(event) {
      event.preventDefault();
      const words = text.value.trim();
      if (!words || [...words].length > MAX_TEXT) {
        status.say(t('textRule'), true);
        return;
      }
      const body = picked ? { text: words, vehicle_ids: [picked] } : { text: words, route_id: routeId };
      send.disabled = true;
      try {
        const sent = await call('POST', '/messages', body);
        status.say(t('messageQueued', sent.command_ids.length));
        text.value = '';
        count.textContent = `0/${MAX_TEXT}`;
        loadMessages();
      } catch (error) {
        if (error.status !== 401) status.say(`${t('sendError')}: ${error.detail || error.message}`, true);
      } finally {
        send.disabled = false;
      }
    }
    return { el: formEl, target };
  }

  function pick(vehicleId) {
    picked = vehicleId;
    const label = picked ? t('toBus', picked) : t('toLine', strip ? strip.line : '');
    form.target.textContent = label;
    trips.pick(picked, strip);
    for (const b of el.querySelectorAll('[data-vehicle]')) {
      b.classList.toggle('picked', b.dataset.vehicle === picked);
    }
  }

  function busMark(bus, n) {
    const at = Math.min(Math.max(((bus.strip_at || 1) - 1) / Math.max(n - 1, 1), 0), 1);
    const flag = flagText(bus);
    return withVar(h(
      'button',
      {
        type: 'button', tabIndex: -1,
        className: `bus ${bus.adherence}${bus.bunched ? ' bunched' : ''}${bus.gapped ? ' gapped' : ''}`,
        dataset: { vehicle: bus.vehicle_id, adherence: bus.adherence, spacing: bus.spacing },
        title: `${bus.label || bus.vehicle_id} · ${delayText(bus)}${flag ? ` · ${flag}` : ''}`,
        onclick: () => pick(bus.vehicle_id),
      },
      h('span', { className: 'bus-label' }, bus.label || bus.vehicle_id),
      h('span', { className: 'bus-state' }, delayText(bus)),
      flag ? h('span', { className: 'bus-flag' }, flag) : null,
      tripFlag(bus) ? h('span', { className: 'bus-flag trip-change' }, tripFlag(bus)) : null,
    ), '--at', at);
  }

  function drawDirection(d) {
    const n = d.stops.length;
    const stops = d.stops.map((s, k) => withVar(h(
      'li',
      { className: 'stop', dataset: { stop: s.stop_id } },
      h('span', { className: 'stop-name' }, s.name),
    ), '--at', k / Math.max(n - 1, 1)));
    return h(
      'section',
      { className: 'direction', dataset: { direction: String(d.direction_id) } },
      h('h3', {}, `${t('towards', d.headsign || '')} · ${t('scheduledHeadway', d.scheduled_headway_s === null ? '—' : (d.scheduled_headway_s / 60).toFixed(0))}`),
      withVar(h('div', { className: 'strip' }, h('ol', { className: 'stops' }, stops), h('div', { className: 'buses' }, d.buses.map((b) => busMark(b, n)))), '--n', n),
    );
  }

  function busRow(d, bus) {
    const stop = d.stops.find((s) => s.stop_id === bus.next_stop_id);
    return h(
      'tr',
      { dataset: { vehicle: bus.vehicle_id } },
      h('td', {}, bus.label || bus.vehicle_id),
      h('td', {}, t('towards', d.headsign || '')),
      h('td', {}, stop ? stop.name : '—'),
      h('td', { className: `adh ${bus.adherence}` }, delayText(bus)),
      h('td', {}, headwayText(bus)),
      h('td', { className: bus.bunched || bus.gapped ? 'warn' : '' }, flagText(bus) || t('spacing', bus.spacing)),
      h('td', {}, maySend ? h('button', { type: 'button', className: 'pill', onclick: () => pick(bus.vehicle_id) }, t('pickBus')) : ''),
    );
  }

  function messageRow(m) {
    return h(
      'tr',
      { dataset: { command: String(m.command_id), status: m.status, vehicle: m.vehicle_id || '' } },
      h('td', { className: 'nowrap' }, localTime(m.created_utc)),
      h('td', {}, m.vehicle_id || m.phone),
      h('td', {}, m.text),
      h('td', {}, m.by || ''),
      h('td', { className: `delivery ${m.status}` }, t('delivery', m.status)),
    );
  }

  async function loadLines() {
    const { lines } = await call('GET', '/lines');
    if (!alive) return;
    const keep = picker.value || routeId;
    picker.replaceChildren(
      h('option', { value: '' }, t('choose')),
      ...lines.map((ln) => h(
        'option',
        { value: ln.route_id },
        `${ln.line} · ${t('liveBuses', ln.live_buses)}${ln.bunched ? ` · ${t('bunched')} ${ln.bunched}` : ''}${ln.gapped ? ` · ${t('gapped')} ${ln.gapped}` : ''}`,
      )),
    );
    picker.value = keep || '';
  }

  async function loadStrip() {
    if (!routeId) {
      strips.replaceChildren(h('p', { className: 'hint' }, t('pickLineFirst')));
      buses.tbody.replaceChildren();
      summary.textContent = '';
      return;
    }
    const got = await call('GET', `/lines/${encodeURIComponent(routeId)}/strip`);
    if (!alive || got.route_id !== routeId) return;
    strip = got;
    summary.textContent = t('stripSummary', got.live_buses, got.late, got.early, got.bunched, got.gapped);
    strips.replaceChildren(...got.directions.map(drawDirection));
    buses.tbody.replaceChildren(...got.directions.flatMap((d) => d.buses.map((b) => busRow(d, b))));
    if (!buses.tbody.children.length) buses.tbody.append(h('tr', {}, h('td', { colSpan: 7 }, t('noBuses'))));
    if (picked && !got.directions.some((d) => d.buses.some((b) => b.vehicle_id === picked))) picked = null;
    pick(picked);
  }

  async function loadMessages() {
    const { messages: list, enabled } = await call('GET', '/messages?limit=20');
    if (!alive) return;
    form.el.hidden = !enabled;
    messages.tbody.replaceChildren(...list.map(messageRow));
    if (!list.length) messages.tbody.append(h('tr', {}, h('td', { colSpan: 5 }, t(enabled ? 'noMessages' : 'messagesOff'))));
  }

  async function refresh() {
    try {
      await Promise.all([loadStrip(), loadMessages(), trips.load()]);
      if (alive) {
        status.say(null);
        markReady();
      }
    } catch (error) {
      if (alive && error.status !== 401) status.say(`${t('loadError')}: ${error.message}`, true);
    }
  }

  function pickLine(value) {
    routeId = value || null;
    picked = null;
    refresh();
  }

  // Refreshed on each live snapshot pushed (polling every refreshSeconds() when the socket
  // is down); the line list at most every refreshSeconds() (it reads every line).
  let linesAt = Date.now();
  const push = subscribe({
    pollSeconds: refreshSeconds(),
    onUpdate: () => {
      if (!alive || (el.dataset.commandView || 'strip') !== 'strip') return;
      if (Date.now() - linesAt >= refreshSeconds() * 1000) {
        linesAt = Date.now();
        loadLines().catch(() => {});
      }
      refresh();
    },
  });
  loadLines().then(refresh).catch((error) => {
    if (alive && error.status !== 401) status.say(`${t('loadError')}: ${error.message}`, true);
  });
  const tabs = commandTabs(el, () => routeId); // 线路模拟图 / 全部车辆地图 / 运行图
  return {
    unmount() {
      alive = false;
      push.close();
      tabs.unmount();
    },
  };
}

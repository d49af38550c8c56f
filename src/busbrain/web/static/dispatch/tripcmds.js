// 调度指挥's trip commands, under the strip: for the bus picked (on the strip or in the
// table), cancel its trip (取消班次), run it as a short turn (区间车), add an extra trip
// (加班车) after it, hold the bus at a stop (滞站) or give its block to another bus (换车);
// and today's changes with 撤销 (revoke) on each. Each command is one small form that
// opens under the buttons; the server answers 409 when a change contradicts an active
// one and says why, which is shown as is.

import { call } from './api.js';
import { h, table } from './bits.js';
import { translator } from '../lang.js';
import { localTime } from './text.js';

const t = translator({
  zh: {
    title: '调度指令',
    pickFirst: '先在线路图或车辆列表中选一辆车。',
    target: (bus, trip) => `车辆 ${bus}${trip ? ` · 班次 ${trip}` : ''}`,
    cancel: '取消班次',
    shortTurn: '区间车',
    extra: '加班车',
    hold: '滞站',
    swap: '换车',
    fromSeq: '起点站序',
    toSeq: '终点站序',
    startTime: '发车时间',
    stop: '站点',
    minutes: '分钟',
    toBus: '接替车辆',
    note: '备注',
    confirm: '确定',
    revoke: '撤销',
    revoked: '已撤销',
    active: '生效中',
    changes: '今日调度变更',
    none: '今天还没有调度变更。',
    done: (kind) => `已下达：${kind}`,
    undone: '已撤销。',
    failed: '指令未执行',
    noTrip: '这辆车现在不在班次上。',
    colTime: '时间', colKind: '指令', colWhat: '对象', colWho: '调度员', colState: '状态',
    flag: { cancel: '已取消', short_turn: '区间车', extra: '加班车' },
    held: '滞站',
  },
  en: {
    title: 'Trip commands',
    pickFirst: 'Pick a bus on the strip or in the list first.',
    target: (bus, trip) => `Bus ${bus}${trip ? ` · trip ${trip}` : ''}`,
    cancel: 'Cancel trip',
    shortTurn: 'Short turn',
    extra: 'Extra trip',
    hold: 'Hold',
    swap: 'Swap bus',
    fromSeq: 'From stop #',
    toSeq: 'To stop #',
    startTime: 'Departure',
    stop: 'Stop',
    minutes: 'Minutes',
    toBus: 'Replacement bus',
    note: 'Note',
    confirm: 'Confirm',
    revoke: 'Revoke',
    revoked: 'Revoked',
    active: 'Active',
    changes: "Today's changes",
    none: 'No changes today yet.',
    done: (kind) => `Done: ${kind}`,
    undone: 'Revoked.',
    failed: 'Not done',
    noTrip: 'This bus is not on a trip now.',
    colTime: 'Time', colKind: 'Command', colWhat: 'On', colWho: 'Dispatcher', colState: 'State',
    flag: { cancel: 'Cancelled', short_turn: 'Short turn', extra: 'Extra' },
    held: 'Held',
  },
});

// The words a bus on the strip carries for its trip's change (empty when none).
export function tripFlag(bus) {
  const words = [];
  if (bus.trip_change) words.push(t('flag', bus.trip_change));
  if (bus.held) words.push(t('held'));
  return words.join(' · ');
}

function field(label, input) {
  return h('label', { className: 'field' }, h('span', {}, label), input);
}

function what(c) {
  if (c.kind === 'short_turn') return `${c.trip_id} ${c.from_stop_sequence}–${c.to_stop_sequence}`;
  if (c.kind === 'extra') return `${c.new_trip_id} ${c.start_time}${c.vehicle_id ? ` · ${c.vehicle_id}` : ''}`;
  if (c.kind === 'hold') return `${c.vehicle_id} @ ${c.stop_id} → ${localTime(c.until_utc)}`;
  if (c.kind === 'swap') return `${c.vehicle_id} → ${c.to_vehicle_id}${c.block_id ? ` (${c.block_id})` : ''}`;
  return c.trip_id || '';
}

export function tripCommands({ maySend, status, onChange }) {
  let bus = null; // the bus picked on the strip: {vehicle_id, trip_id, next_stop_id}
  const target = h('p', { className: 'hint', id: 'trip-target' }, t('pickFirst'));
  const formSlot = h('div', { id: 'trip-form' });
  const list = table('trip-changes', [t('colTime'), t('colKind'), t('colWhat'), t('colWho'), t('colState'), '']);

  const commands = {
    cancel: { label: t('cancel'), needsTrip: true, fields: [], send: (_, trip) => [`/trips/${encodeURIComponent(trip)}/cancel`, {}] },
    shortTurn: {
      label: t('shortTurn'), needsTrip: true,
      fields: [['from_stop_sequence', t('fromSeq'), 'number', '1'], ['to_stop_sequence', t('toSeq'), 'number', '2']],
      send: (v, trip) => [`/trips/${encodeURIComponent(trip)}/short-turn`, { from_stop_sequence: Number(v.from_stop_sequence), to_stop_sequence: Number(v.to_stop_sequence) }],
    },
    extra: {
      label: t('extra'), needsTrip: true,
      fields: [['start_time', t('startTime'), 'text', '08:45:00']],
      send: (v, trip) => [`/trips/${encodeURIComponent(trip)}/extra`, { start_time: v.start_time }],
    },
    hold: {
      label: t('hold'), needsTrip: false,
      fields: [['stop_id', t('stop'), 'text', ''], ['minutes', t('minutes'), 'number', '3']],
      send: (v) => [`/vehicles/${encodeURIComponent(bus.vehicle_id)}/hold`, { stop_id: v.stop_id, minutes: Number(v.minutes) }],
    },
    swap: {
      label: t('swap'), needsTrip: false,
      fields: [['to_vehicle_id', t('toBus'), 'text', '']],
      send: (v) => [`/vehicles/${encodeURIComponent(bus.vehicle_id)}/swap`, { to_vehicle_id: v.to_vehicle_id }],
    },
  };

  function open(key) {
    const cmd = commands[key];
    if (!bus) { status.say(t('pickFirst'), true); return; }
    if (cmd.needsTrip && !bus.trip_id) { status.say(t('noTrip'), true); return; }
    const inputs = {};
    const rows = cmd.fields.map(([name, label, type, value]) => {
      inputs[name] = h('input', { type, name, id: `trip-${name}`, required: true, value: name === 'stop_id' ? (bus.next_stop_id || '') : value });
      return field(label, inputs[name]);
    });
    const note = h('input', { type: 'text', name: 'note', id: 'trip-note', maxLength: 200 });
    const ok = h('button', { type: 'submit', className: 'primary', id: 'trip-confirm' }, `${t('confirm')} · ${cmd.label}`);
    const form = h('form', { className: 'message-form', dataset: { command: key }, onsubmit: submit }, ...rows, field(t('note'), note), ok);
    formSlot.replaceChildren(form);
    (rows.length ? inputs[cmd.fields[0][0]] : ok).focus();

    async function submit(event) {
      event.preventDefault();
      const values = Object.fromEntries(Object.entries(inputs).map(([k, el]) => [k, el.value.trim()]));
      const [path, body] = cmd.send(values, bus.trip_id);
      ok.disabled = true;
      try {
        await call('POST', path, { ...body, note: note.value.trim() });
        status.say(t('done', cmd.label));
        formSlot.replaceChildren();
        await load();
        onChange();
      } catch (error) {
        if (error.status !== 401) status.say(`${t('failed')}: ${error.detail || error.message}`, true);
      } finally {
        ok.disabled = false;
      }
    }
  }

  async function revoke(c) {
    try {
      await call('DELETE', `/trip-changes/${c.change_id}`);
      status.say(t('undone'));
      await load();
      onChange();
    } catch (error) {
      if (error.status !== 401) status.say(`${t('failed')}: ${error.detail || error.message}`, true);
    }
  }

  function row(c) {
    return h(
      'tr',
      { dataset: { change: String(c.change_id), kind: c.kind, active: String(c.active) } },
      h('td', { className: 'nowrap' }, localTime(c.at_utc)),
      h('td', {}, c.kind_zh),
      h('td', {}, what(c)),
      h('td', {}, c.by),
      h('td', {}, c.active ? t('active') : t('revoked')),
      h('td', {}, maySend && c.active ? h('button', { type: 'button', className: 'pill', onclick: () => revoke(c) }, t('revoke')) : ''),
    );
  }

  async function load() {
    const got = await call('GET', '/trip-changes');
    el.hidden = !got.enabled; // a server without a trip-change store
    list.tbody.replaceChildren(...got.changes.map(row));
    if (!got.changes.length) list.tbody.append(h('tr', {}, h('td', { colSpan: 6 }, t('none'))));
  }

  const buttons = h('div', { className: 'target-row', id: 'trip-buttons' },
    Object.entries(commands).map(([key, cmd]) => h('button', { type: 'button', className: 'pill', dataset: { command: key }, onclick: () => open(key) }, cmd.label)));
  const el = h('section', { id: 'trip-commands' },
    h('h3', {}, t('title')),
    maySend ? target : null,
    maySend ? buttons : null,
    maySend ? formSlot : null,
    h('h3', {}, t('changes')),
    list.el);

  return {
    el,
    load,
    // The bus picked on the strip (null: none), looked up in the strip's answer.
    pick(vehicleId, strip) {
      const found = vehicleId && strip ? strip.directions.flatMap((d) => d.buses).find((b) => b.vehicle_id === vehicleId) : null;
      const changed = (found && found.vehicle_id) !== (bus && bus.vehicle_id);
      bus = found || null;
      target.textContent = bus ? t('target', bus.label || bus.vehicle_id, bus.trip_id) : t('pickFirst');
      if (changed) formSlot.replaceChildren();
    },
  };
}

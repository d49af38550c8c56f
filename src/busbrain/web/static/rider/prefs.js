// What the rider keeps on this device (never sent anywhere): favourite stops and lines,
// home and work, elder mode, and their reminders.

const KEY = 'busbrain.rider';
const listeners = new Set();

function empty() {
  return { stops: [], lines: [], home: null, work: null, elder: false, reminders: [] };
}

function read() {
  try {
    const raw = JSON.parse(window.localStorage.getItem(KEY) || 'null');
    return raw && typeof raw === 'object' ? { ...empty(), ...raw } : empty();
  } catch {
    return empty();
  }
}

let state = read();

function save() {
  try {
    window.localStorage.setItem(KEY, JSON.stringify(state));
  } catch {
    // storage full or off: kept for this visit
  }
  for (const fn of listeners) fn(state);
}

export function prefs() {
  return state;
}

export function onPrefsChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function isFavouriteStop(id) {
  return state.stops.some((s) => s.id === id);
}

export function toggleFavouriteStop(stop) {
  state.stops = isFavouriteStop(stop.id)
    ? state.stops.filter((s) => s.id !== stop.id)
    : [...state.stops, { id: stop.id, name: stop.name }];
  save();
}

export function isFavouriteLine(id) {
  return state.lines.some((l) => l.id === id);
}

export function toggleFavouriteLine(line) {
  state.lines = isFavouriteLine(line.id)
    ? state.lines.filter((l) => l.id !== line.id)
    : [...state.lines, { id: line.id, name: line.name }];
  save();
}

export function setPlace(which, stop) {
  state[which] = stop ? { id: stop.id, name: stop.name } : null;
  save();
}

export function setElder(on) {
  state.elder = Boolean(on);
  save();
}

export function reminders() {
  return state.reminders;
}

export function putReminder(entry) {
  state.reminders = [...state.reminders.filter((r) => r.key !== entry.key), entry];
  save();
}

export function dropReminder(key) {
  state.reminders = state.reminders.filter((r) => r.key !== key);
  save();
}

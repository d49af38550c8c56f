// The rider app: one page, views chosen by the address's fragment.
//   #/                      home: search, nearby stops, favourites
//   #/stop/<stop id>        a stop's live arrivals
//   #/line/<route id>?dir=0&stop=<stop id>   a line's stop strip with its buses
//   #/reminders             my reminders
// <body data-view="..."> names the view shown; data-view-ready counts its loads (tests
// and screen readers can tell when the content is there).

import { loadNetworkBasics } from './api.js';
import { homeView } from './home.js';
import { lineView } from './line.js';
import { onPrefsChange, prefs, setElder } from './prefs.js';
import { notifyText, resumeAll, setFireHandler, systemNotify } from './reminders.js';
import { remindersView } from './reminderlist.js';
import { stopView } from './stop.js';
import { applyTexts, onLangChange, setLang, t } from './text.js';

const body = document.body;
const $ = (id) => document.getElementById(id);
let current = null;
let toastTimer = null;

export function toast(text, { sticky = false } = {}) {
  const el = $('toast');
  el.textContent = text;
  el.hidden = false;
  window.clearTimeout(toastTimer);
  if (!sticky) toastTimer = window.setTimeout(() => { el.hidden = true; }, 6000);
}

function parseRoute() {
  const raw = window.location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { name: parts[0] || 'home', id: parts[1], params: new URLSearchParams(query) };
}

const VIEWS = { home: homeView, stop: stopView, line: lineView, reminders: remindersView };

function render() {
  if (current) current.unmount();
  const route = parseRoute();
  const make = VIEWS[route.name] || homeView;
  const view = $('view');
  view.replaceChildren();
  body.dataset.view = VIEWS[route.name] ? route.name : 'home';
  body.dataset.viewReady = '0';
  $('back').hidden = body.dataset.view === 'home';
  for (const tab of document.querySelectorAll('.tabs a')) {
    const on = tab.dataset.tab === body.dataset.view;
    if (on) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
  current = make(view, { id: route.id, params: route.params, toast, setTitle });
}

function setTitle(text) {
  $('bar-title').textContent = text || t('appName');
  document.title = `${text || t('appName')} · busbrain`;
}

function applyElder() {
  const on = prefs().elder;
  body.classList.toggle('elder', on);
  document.documentElement.classList.toggle('elder', on);
  $('elder').setAttribute('aria-pressed', String(on));
}

async function main() {
  applyTexts();
  applyElder();
  for (const button of document.querySelectorAll('button[data-lang]')) {
    button.addEventListener('click', () => setLang(button.dataset.lang));
  }
  $('elder').addEventListener('click', () => setElder(!prefs().elder));
  $('back').addEventListener('click', () => {
    if (window.history.length > 1) window.history.back();
    else window.location.hash = '#/';
  });
  $('toast').addEventListener('click', () => { $('toast').hidden = true; });
  onPrefsChange(applyElder);
  onLangChange(render);
  setFireHandler((entry) => {
    body.dataset.remindersFired = String(Number(body.dataset.remindersFired || 0) + 1);
    toast(notifyText(entry), { sticky: true });
    systemNotify(entry);
  });
  await loadNetworkBasics();
  window.addEventListener('hashchange', render);
  render();
  resumeAll();
  body.dataset.appReady = 'true';
}

main().catch((error) => {
  console.error(error);
  body.dataset.appError = String(error && error.message ? error.message : error);
  toast(`${t('loadError')}: ${body.dataset.appError}`, { sticky: true });
});

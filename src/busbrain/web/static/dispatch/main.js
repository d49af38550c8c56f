// The dispatch console: the login page, then the shell (header with the user and 退出,
// the modules this role may read, 用户管理 and 审计日志 where allowed). Pages are chosen
// by the address's fragment: #/command, #/users, #/audit, ...
//
// <body data-console-state> is "loading", "login" or "console"; data-page names the page
// shown and data-page-ready counts its loads (tests and screen readers can tell when
// the content is there). The session is checked at every page change and every minute
// (?check=N seconds to change that): when it has ended, the login page says so.

import { ApiError, call, whenSessionEnds } from './api.js';
import { h } from './bits.js';
import { auditPage } from './audit.js';
import { modulePage } from './modules.js';
import { applyTexts, onLangChange, setLang, t } from './text.js';
import { usersPage } from './users.js';

const body = document.body;
const $ = (id) => document.getElementById(id);
let me = null; // the logged-in user (GET /me), null on the login page
let current = null; // the page shown: { unmount() }
let checkTimer = null;

function checkSeconds() {
  const asked = Number(new URLSearchParams(window.location.search).get('check'));
  return Number.isFinite(asked) && asked >= 0.5 ? asked : 60;
}

// The pages this user may open, in the navigation's order.
function pagesOf(who) {
  const pages = who.modules.map((name) => ({ name, make: (el, context) => modulePage(el, name, context) }));
  if (who.permissions.includes('manage:users')) pages.push({ name: 'users', make: usersPage });
  if (who.permissions.includes('read:audit')) pages.push({ name: 'audit', make: auditPage });
  return pages;
}

function unmountPage() {
  if (current) current.unmount();
  current = null;
  $('page').replaceChildren();
}

function sayOnLogin(key, text) {
  const el = $('login-message');
  el.hidden = !key;
  el.dataset.key = key || '';
  el.dataset.text = text || '';
  el.textContent = key ? t(key, text) : '';
}

function showLogin(messageKey = null, text = '') {
  me = null;
  window.clearInterval(checkTimer);
  unmountPage();
  body.dataset.consoleState = 'login';
  delete body.dataset.role;
  $('console').hidden = true;
  $('login').hidden = false;
  sayOnLogin(messageKey, text);
  $('password').value = '';
  $('username').focus();
}

function showConsole(who) {
  me = who;
  body.dataset.consoleState = 'console';
  body.dataset.role = who.role;
  $('login').hidden = true;
  $('console').hidden = false;
  paintShell();
  render();
  window.clearInterval(checkTimer);
  checkTimer = window.setInterval(checkSession, checkSeconds() * 1000);
}

function paintShell() {
  $('who-name').textContent = me.display_name;
  $('who-role').textContent = t('roles', me.role);
  $('nav').replaceChildren(
    ...pagesOf(me).map((page) => h('a', { href: `#/${page.name}`, dataset: { page: page.name } }, t('modules', page.name))),
  );
}

function render() {
  const pages = pagesOf(me);
  const wanted = window.location.hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  const page = pages.find((p) => p.name === wanted) || pages[0];
  unmountPage();
  if (!page) return;
  if (page.name !== wanted) window.history.replaceState(null, '', `#/${page.name}`);
  body.dataset.page = page.name;
  body.dataset.pageReady = '0';
  for (const link of $('nav').querySelectorAll('a')) {
    if (link.dataset.page === page.name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  current = page.make($('page'), { me });
}

// Is the session still good? The answer also refreshes the role's pages (an admin may
// have changed them); a 401 takes us to the login page (see whenSessionEnds).
async function checkSession() {
  if (!me) return false;
  try {
    const who = await call('GET', '/me');
    if (me) me = who;
    return true;
  } catch {
    return false;
  }
}

async function submitLogin(event) {
  event.preventDefault();
  const username = $('username').value.trim();
  const password = $('password').value;
  if (!username || !password) {
    sayOnLogin('loginMissing');
    return;
  }
  const button = $('login-submit');
  button.disabled = true;
  button.textContent = t('loggingIn');
  try {
    const { token: _unused, ...who } = await call('POST', '/login', { username, password });
    showConsole(who); // the cookie carries the session; the token is not kept here
  } catch (error) {
    const key = { 401: 'loginWrong', 403: 'loginDisabled', 503: 'consoleOff' }[error.status];
    sayOnLogin(key || 'serverError', error instanceof ApiError ? error.detail : error.message);
    $('password').value = '';
    $('password').focus();
  } finally {
    button.disabled = false;
    button.textContent = t('login');
  }
}

async function logout() {
  me = null; // a 401 from here is no news: we are leaving anyway
  try {
    await call('POST', '/logout');
  } catch {
    // the session had ended already
  }
  showLogin('loggedOut');
}

async function main() {
  applyTexts();
  for (const button of document.querySelectorAll('button[data-lang]')) {
    button.addEventListener('click', () => setLang(button.dataset.lang));
  }
  onLangChange(() => {
    if (me) {
      paintShell();
      render();
    } else {
      const el = $('login-message');
      sayOnLogin(el.dataset.key || null, el.dataset.text);
    }
  });
  whenSessionEnds(() => {
    if (me) showLogin('sessionExpired');
  });
  $('login-form').addEventListener('submit', submitLogin);
  $('logout').addEventListener('click', logout);
  window.addEventListener('hashchange', async () => {
    if (me && (await checkSession())) {
      paintShell();
      render();
    }
  });
  try {
    showConsole(await call('GET', '/me'));
  } catch (error) {
    if (error.status === 401) showLogin();
    else if (error.status === 503) showLogin('consoleOff');
    else showLogin('serverError', error.message);
  }
  body.dataset.appReady = 'true';
}

main().catch((error) => {
  console.error(error);
  body.dataset.appError = String(error && error.message ? error.message : error);
});

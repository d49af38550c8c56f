// 审计日志 (admins and managers): who did what, when and from where, newest first, a page
// at a time ("older entries" fetches the next).

import { call } from './api.js';
import { h, markReady, statusLine, table } from './bits.js';
import { localTime, t } from './text.js';

const PAGE = 50;

function detailText(detail) {
  return Object.entries(detail || {}).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join('; ');
}

export function auditPage(el) {
  let alive = true;
  let before = null;
  const status = statusLine('audit-message');
  const grid = table('audit-table', [
    t('colTime'), t('colWho'), t('colAction'), t('colTarget'), t('colDetail'), t('colClient'),
  ]);
  const older = h('button', { type: 'button', className: 'pill', id: 'audit-older', hidden: true }, t('older'));
  const empty = h('p', { className: 'hint', hidden: true }, t('noEntries'));
  el.append(h('h2', {}, t('auditTitle')), status, grid.el, empty, older);

  const row = (e) => h(
    'tr',
    { dataset: { action: e.action } },
    h('td', { className: 'nowrap' }, localTime(e.at_utc)),
    h('td', {}, e.username),
    h('td', { className: e.action === 'login_failed' ? 'warn' : '' }, t('actions', e.action)),
    h('td', {}, e.target || ''),
    h('td', {}, detailText(e.detail)),
    h('td', {}, e.client || ''),
  );

  async function load() {
    older.disabled = true;
    try {
      const query = new URLSearchParams({ limit: String(PAGE) });
      if (before !== null) query.set('before', String(before));
      const page = await call('GET', `/audit?${query}`);
      if (!alive) return;
      grid.tbody.append(...page.entries.map(row));
      before = page.next_before;
      older.hidden = before === null;
      empty.hidden = grid.tbody.children.length > 0;
      markReady();
    } catch (error) {
      if (alive && error.status !== 401) status.say(`${t('loadError')}: ${error.message}`, true);
    } finally {
      older.disabled = false;
    }
  }

  older.addEventListener('click', load);
  load();
  return {
    unmount() {
      alive = false;
    },
  };
}

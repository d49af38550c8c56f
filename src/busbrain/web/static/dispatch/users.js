// 用户管理 (admins): every account with its role and status, adding one, disabling one.
// Disabling takes two clicks (the button asks to be clicked again), not a dialog.

import { call } from './api.js';
import { h, markReady, statusLine, table } from './bits.js';
import { t } from './text.js';

const ROLES = ['dispatcher', 'safety', 'manager', 'admin'];
const USERNAME = /^[a-z0-9][a-z0-9._-]{1,31}$/;
const MIN_PASSWORD = 10;

export function usersPage(el, { me }) {
  let alive = true;
  const status = statusLine('users-message');
  const grid = table('users-table', [
    t('colUsername'), t('colName'), t('colRole'), t('colStatus'), t('colCreated'), t('colActions'),
  ]);
  const form = addForm();
  el.append(h('h2', {}, t('usersTitle')), status, grid.el, h('h3', {}, t('addUser')), form.el);

  async function load() {
    try {
      const users = await call('GET', '/users');
      if (!alive) return;
      grid.tbody.replaceChildren(...users.map(row));
      markReady();
    } catch (error) {
      if (alive && error.status !== 401) status.say(`${t('loadError')}: ${error.message}`, true);
    }
  }

  function row(user) {
    const self = user.username === me.username;
    const cells = [
      h('td', {}, user.username, self ? t('you') : ''),
      h('td', {}, user.display_name),
      h('td', {}, t('roles', user.role)),
      h('td', { className: user.disabled ? 'off' : 'on' }, t(user.disabled ? 'disabled' : 'active')),
      h('td', {}, new Date(user.created_utc).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' })),
      h('td', {}, user.disabled || self ? '' : disableButton(user.username)),
    ];
    return h('tr', { dataset: { username: user.username } }, cells);
  }

  function disableButton(username) {
    const button = h('button', { type: 'button', className: 'pill danger', dataset: { disable: username } }, t('disable'));
    button.addEventListener('click', async () => {
      if (button.dataset.armed !== 'true') {
        button.dataset.armed = 'true';
        button.textContent = t('confirmDisable');
        return;
      }
      button.disabled = true;
      try {
        await call('POST', `/users/${encodeURIComponent(username)}/disable`);
        status.say(t('disabledDone', username));
        await load();
      } catch (error) {
        button.disabled = false;
        if (error.status !== 401) status.say(t('serverError', error.detail || error.message), true);
      }
    });
    return button;
  }

  function addForm() {
    const input = (name, props = {}) => h('input', { name, id: `new-${name}`, ...props });
    const fields = {
      username: input('username', { autocomplete: 'off', autocapitalize: 'none', maxLength: 32 }),
      display_name: input('display_name', { maxLength: 64 }),
      role: h('select', { name: 'role', id: 'new-role' }, ROLES.map((r) => h('option', { value: r }, t('roles', r)))),
      password: input('password', { type: 'password', autocomplete: 'new-password', maxLength: 1024 }),
      repeat: input('repeat', { type: 'password', autocomplete: 'new-password', maxLength: 1024 }),
    };
    const label = (key, field) => h('label', { className: 'field' }, h('span', {}, t(key)), field);
    const el = h(
      'form',
      { className: 'add-user', id: 'add-user', noValidate: true },
      label('colUsername', fields.username),
      label('displayName', fields.display_name),
      label('role', fields.role),
      label('newPassword', fields.password),
      label('repeatPassword', fields.repeat),
      h('button', { type: 'submit', className: 'primary', id: 'add-user-submit' }, t('add')),
    );
    el.addEventListener('submit', async (event) => {
      event.preventDefault();
      const username = fields.username.value.trim().toLowerCase();
      const problem = !USERNAME.test(username) ? 'usernameRule'
        : fields.password.value.length < MIN_PASSWORD ? 'passwordShort'
          : fields.password.value !== fields.repeat.value ? 'passwordMismatch' : null;
      if (problem) {
        status.say(t(problem), true);
        return;
      }
      try {
        const user = await call('POST', '/users', {
          username,
          display_name: fields.display_name.value.trim() || null,
          role: fields.role.value,
          password: fields.password.value,
        });
        el.reset();
        status.say(t('added', user.username));
        await load();
      } catch (error) {
        if (error.status === 401) return;
        status.say(error.status === 409 ? t('usernameTaken') : t('serverError', error.detail || error.message), true);
      }
    });
    return { el };
  }

  load();
  return {
    unmount() {
      alive = false;
    },
  };
}

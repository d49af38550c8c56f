// My reminders: waiting, sent or expired, newest first; delete any.

import { h, markReady } from './bits.js';
import { onPrefsChange, reminders } from './prefs.js';
import { cancel, notifyText } from './reminders.js';
import { t } from './text.js';

const STATE_TEXT = { waiting: 'reminderWaiting', fired: 'reminderFired', expired: 'reminderExpired' };

export function remindersView(root, { setTitle }) {
  setTitle(t('remindersTitle'));
  const list = h('ul', { className: 'list reminders', id: 'reminders', 'aria-live': 'polite' });
  root.append(h('section', { className: 'card' }, h('h2', {}, t('remindersTitle')), list));

  function draw() {
    const items = [...reminders()].sort((a, b) => b.created - a.created);
    if (items.length === 0) {
      list.replaceChildren(h('li', { className: 'empty' }, t('remindersNone')));
      return;
    }
    list.replaceChildren(...items.map((r) => {
      const del = h('button', { type: 'button', className: 'pill' }, t('reminderDelete'));
      del.addEventListener('click', () => cancel(r));
      return h('li', { className: `row reminder ${r.state}`, dataset: { state: r.state } },
        h('span', { className: 'name-block' },
          h('span', { className: 'name' }, r.label),
          h('span', { className: 'hint' }, r.state === 'fired' ? notifyText(r) : t(STATE_TEXT[r.state]))),
        h('span', { className: `tag ${r.state}` }, t(STATE_TEXT[r.state])),
        del);
    }));
  }

  const off = onPrefsChange(draw);
  draw();
  markReady();
  return { unmount: off };
}

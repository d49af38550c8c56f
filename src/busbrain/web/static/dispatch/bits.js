// Small pieces the console's pages share.

import { h } from '../dom.js';

export { h };

// Tests and screen readers can tell when a page's content is there: <body
// data-page-ready> counts the loads of the page shown.
export function markReady() {
  document.body.dataset.pageReady = String(Number(document.body.dataset.pageReady || 0) + 1);
}

// A status line: say(text) shows it, say(text, true) as an error, say(null) hides it.
export function statusLine(id) {
  const el = h('p', { className: 'message', id, role: 'status', hidden: true });
  el.say = (text, isError = false) => {
    el.hidden = !text;
    el.textContent = text || '';
    el.classList.toggle('error', Boolean(isError));
  };
  return el;
}

export function table(id, headings) {
  const tbody = h('tbody');
  const el = h(
    'table',
    { className: 'grid', id },
    h('thead', {}, h('tr', {}, headings.map((text) => h('th', { scope: 'col' }, text)))),
    tbody,
  );
  return { el, tbody };
}

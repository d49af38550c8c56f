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

// The SVG namespace, as the HTML parser gives it (the console's files name no URL: a
// test checks that nothing loads from another server).
let svgNamespace = null;
function svgNs() {
  if (svgNamespace === null) {
    const holder = document.createElement('div');
    holder.innerHTML = '<svg></svg>';
    svgNamespace = holder.firstChild.namespaceURI;
  }
  return svgNamespace;
}

// An SVG element: attributes left out when null or undefined, children as nodes or text.
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(svgNs(), tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// How often a page refreshes, in seconds: ?refresh=N of the address (at least 0.5; tests
// ask for a fast one), else the page's own `defaultSeconds`.
export function refreshSeconds(defaultSeconds) {
  const asked = Number(new URLSearchParams(window.location.search).get('refresh'));
  return Number.isFinite(asked) && asked >= 0.5 ? asked : defaultSeconds;
}

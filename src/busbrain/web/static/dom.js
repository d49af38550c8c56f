// A tiny element builder: h('div', {className: 'x', style: {color: 'red'}}, 'text', child).
// Text goes in as text nodes, never as HTML, so names from the feed cannot inject markup.

export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'style') Object.assign(el.style, value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on')) el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key in el) el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// A route's badge: its short name on its own colour.
export function routeChip(route, extraClass = '') {
  return h(
    'span',
    {
      className: `route-chip ${extraClass}`.trim(),
      style: { backgroundColor: route.color, color: route.text_color },
    },
    routeLabel(route),
  );
}

export function routeLabel(route) {
  return route.short_name || route.long_name || route.route_id;
}

// "huo che zhan" → "Huo Che Zhan", for English readers.
export function titleCasePinyin(pinyin) {
  return (pinyin || '').replace(/\b([a-zü])/g, (c) => c.toUpperCase());
}

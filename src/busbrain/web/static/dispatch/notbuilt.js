// A module page that is not built yet says so plainly and what it will hold, and shows
// no data, so that nothing passes for the real picture of the city.

import { h, markReady } from './bits.js';
import { t } from './text.js';

export function notBuiltPage(el, name) {
  el.append(
    h('h2', {}, t('modules', name)),
    h('p', { className: 'not-built', dataset: { notBuilt: name } }, t('notBuilt')),
    h('p', { className: 'planned' }, t('planned')),
    h('p', { className: 'scope' }, t('moduleScope', name)),
  );
  markReady();
  return { unmount() {} };
}

// The six modules' pages. 调度指挥 has its first part (command.js: the line strip and
// text messages to buses); the others are not built yet (issue 7 stays open): each says
// so plainly and what it will hold, and shows no data, so that nothing here passes for
// the real picture of the city.

import { h, markReady } from './bits.js';
import { commandPage } from './command.js';
import { t } from './text.js';

export const MODULES = ['command', 'operations', 'safety', 'equipment', 'service', 'analysis'];

export function modulePage(el, name, context) {
  if (name === 'command') return commandPage(el, context);
  el.append(
    h('h2', {}, t('modules', name)),
    h('p', { className: 'not-built', dataset: { notBuilt: name } }, t('notBuilt')),
    h('p', { className: 'planned' }, t('planned')),
    h('p', { className: 'scope' }, t('moduleScope', name)),
  );
  markReady();
  return { unmount() {} };
}

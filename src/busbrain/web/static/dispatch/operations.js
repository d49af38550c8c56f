// 运营监管 (operations): not built yet.

import { notBuiltPage } from './notbuilt.js';

export function operationsPage(el) {
  return notBuiltPage(el, 'operations');
}

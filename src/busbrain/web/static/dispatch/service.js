// 服务监管 (service supervision): not built yet.

import { notBuiltPage } from './notbuilt.js';

export function servicePage(el) {
  return notBuiltPage(el, 'service');
}

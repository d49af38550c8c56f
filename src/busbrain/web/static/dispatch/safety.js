// 安全监管 (safety): not built yet.

import { notBuiltPage } from './notbuilt.js';

export function safetyPage(el) {
  return notBuiltPage(el, 'safety');
}

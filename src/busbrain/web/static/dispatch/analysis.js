// 数据分析 (analysis): not built yet.

import { notBuiltPage } from './notbuilt.js';

export function analysisPage(el) {
  return notBuiltPage(el, 'analysis');
}

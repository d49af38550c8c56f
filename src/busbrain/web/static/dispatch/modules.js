// The six modules' pages, one file each; a module not built yet shows notbuilt.js's page.

import { analysisPage } from './analysis.js';
import { commandPage } from './command.js';
import { equipmentPage } from './equipment.js';
import { notBuiltPage } from './notbuilt.js';
import { operationsPage } from './operations.js';
import { safetyPage } from './safety.js';
import { servicePage } from './service.js';

export const MODULES = ['command', 'operations', 'safety', 'equipment', 'service', 'analysis'];

const PAGES = {
  command: commandPage,
  operations: operationsPage,
  safety: safetyPage,
  equipment: equipmentPage,
  service: servicePage,
  analysis: analysisPage,
};

export function modulePage(el, name, context) {
  const page = PAGES[name];
  return page ? page(el, context) : notBuiltPage(el, name);
}

// The interface language every page shares (one choice, kept on the device under one key),
// and a translator over a page's own strings. Chinese unless ?lang=en or a saved choice.

export const LANGS = ['zh', 'en'];
const STORAGE_KEY = 'busbrain.lang';
const listeners = new Set();

function initialLang() {
  const fromUrl = new URLSearchParams(window.location.search).get('lang');
  if (LANGS.includes(fromUrl)) return fromUrl;
  try {
    const saved = window.localStorage.getItem(STORAGE_KEY);
    if (LANGS.includes(saved)) return saved;
  } catch {
    // no storage (private mode): Chinese
  }
  return 'zh';
}

let lang = initialLang();

export function getLang() {
  return lang;
}

export function setLang(next) {
  if (!LANGS.includes(next) || next === lang) return;
  lang = next;
  try {
    window.localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // kept for this page only
  }
  for (const fn of listeners) fn(lang);
}

// Called after every change of language, in the order registered.
export function onLangChange(fn) {
  listeners.add(fn);
}

// t(key, ...args) over {zh: {...}, en: {...}}: a function value gets the arguments; a nested
// table is indexed by the first argument (t('modules', 'command')); English falls back to
// Chinese, and a missing key shows itself.
export function translator(strings) {
  return (key, ...args) => {
    let value = strings[lang][key] ?? strings.zh[key] ?? key;
    if (value && typeof value === 'object' && !Array.isArray(value) && args.length) {
      const [sub, ...rest] = args;
      value = value[sub] ?? strings.zh[key]?.[sub] ?? sub;
      args = rest;
    }
    return typeof value === 'function' ? value(...args) : value;
  };
}

// Fills elements marked data-i18n (text), data-i18n-placeholder and data-i18n-aria-label,
// marks the language buttons pressed, and sets the document's language.
export function fillTexts(t, root = document) {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  document.body.dataset.uiLang = lang;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) {
    el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  }
  for (const button of root.querySelectorAll('button[data-lang]')) {
    button.setAttribute('aria-pressed', String(button.dataset.lang === lang));
  }
}

// The explorer's small DOM vocabulary, shared by its views: elements built from text (never HTML), kind swatches,
// and numbers as a person reads them.

import { KINDS } from './graph.js';

export const SERVICE_KINDS_LABEL = (kind) => kind.replaceAll('_', ' ');

/** Builds an element; text always goes in as text, never as HTML. */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name === 'style') Object.assign(element.style, value); // CSSOM: allowed by the page's CSP
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

export function button(label, onclick, props = {}) {
  return h('button', { type: 'button', onclick, ...props }, label);
}

export function kindSwatch(kind) {
  return h('span', { class: `swatch kind-${kind}`, title: KINDS[kind]?.label ?? kind, 'aria-hidden': 'true' });
}

export function percent(value, digits = 1) {
  return `${+Number(value).toFixed(digits)}%`;
}

export function formatMetric(value) {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(+value.toFixed(3));
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** "1 actor", "3 actors": `plural` when the English plural is not just an s. */
export function count(n, singular, plural = `${singular}s`) {
  return `${n} ${n === 1 ? singular : plural}`;
}

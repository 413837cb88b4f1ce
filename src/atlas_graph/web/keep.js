// What the explorer keeps and hands out: the URL's state (filters, the open investigation) and exports of the
// drawn graph as PNG and SVG files, built in the page from what Sigma.js draws.

/** The filters every view takes, as the API names them; empty lists and false mean "no filter". */
export function emptyFilters() {
  return { min_confidence: 0, as_of: null, types: [], kinds: [], categories: [], own_only: false };
}

export const SUBSTITUTIONS = ['affiliates', 'market', 'none'];

/** The plan view's controls from `view=plan&budget=…&substitution=…&coalition=A,B`, or null for another view. */
function readPlan(params, list) {
  if (params.get('view') !== 'plan') return null;
  const budget = Number(params.get('budget'));
  const substitution = params.get('substitution');
  return {
    budget: Number.isFinite(budget) && budget > 0 ? budget : null,
    substitution: SUBSTITUTIONS.includes(substitution) ? substitution : 'affiliates',
    coalition: params.has('coalition') ? list('coalition') : null, // null: every member with a profile
  };
}

/** Reads `#investigation=…&min_confidence=…&types=A,B…` into {investigation, filters, plan}. */
export function readHash(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const list = (name) => (params.get(name) ?? '').split(',').map((item) => item.trim()).filter(Boolean);
  const filters = emptyFilters();
  const confidence = Number(params.get('min_confidence'));
  if (Number.isInteger(confidence) && confidence >= 0 && confidence <= 100) filters.min_confidence = confidence;
  if (/^\d{4}-\d{2}-\d{2}$/.test(params.get('as_of') ?? '')) filters.as_of = params.get('as_of');
  filters.types = list('types');
  filters.kinds = list('kinds');
  filters.categories = list('categories');
  filters.own_only = params.get('own_only') === 'true';
  return { investigation: params.get('investigation'), filters, plan: readPlan(params, list) };
}

/** The hash that `readHash` reads back: only what differs from no filter, so that a plain link stays plain. */
export function hashOf({ investigation, filters, plan = null }) {
  const params = new URLSearchParams();
  if (investigation) params.set('investigation', investigation);
  if (plan) {
    params.set('view', 'plan');
    if (plan.budget) params.set('budget', String(plan.budget));
    params.set('substitution', plan.substitution);
    if (plan.coalition) params.set('coalition', plan.coalition.join(','));
  }
  if (filters.min_confidence) params.set('min_confidence', String(filters.min_confidence));
  if (filters.as_of) params.set('as_of', filters.as_of);
  for (const name of ['types', 'kinds', 'categories']) if (filters[name].length) params.set(name, filters[name].join(','));
  if (filters.own_only) params.set('own_only', 'true');
  const text = params.toString();
  return text ? `#${text}` : '';
}

/** Offers `blob` to the person as a file called `filename`. */
export function download(filename, blob) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * The graph as drawn, on a white background: Sigma draws edges and nodes with WebGL and labels on a 2D canvas, one
 * layer each; a render and the copy happen in one task, before the browser may clear the WebGL buffers.
 */
export function pngCanvas(view) {
  view.sigma.refresh();
  const layers = [...view.container.querySelectorAll('canvas')];
  const { width, height } = layers[0];
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, width, height);
  for (const layer of layers) context.drawImage(layer, 0, 0, width, height);
  return canvas;
}

export function pngBlob(view) {
  return new Promise((resolve) => pngCanvas(view).toBlob(resolve, 'image/png'));
}

const escapeXml = (text) =>
  String(text).replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[char]);

/** The graph as drawn (positions, colours, sizes, the labels shown), as an SVG document of the canvas's size. */
export function svgText(view) {
  const sigma = view.sigma;
  sigma.refresh();
  const { width, height } = sigma.getDimensions();
  const at = (node) => sigma.framedGraphToViewport(sigma.getNodeDisplayData(node));
  const edges = [];
  view.graph.forEachEdge((edge, attributes, source, target) => {
    const look = sigma.getEdgeDisplayData(edge);
    if (!look || look.hidden) return;
    const [from, to] = [at(source), at(target)];
    edges.push(
      `<line x1="${from.x.toFixed(1)}" y1="${from.y.toFixed(1)}" x2="${to.x.toFixed(1)}" y2="${to.y.toFixed(1)}" ` +
        `stroke="${escapeXml(look.color)}" stroke-width="${Math.max(0.5, look.size).toFixed(1)}"><title>${escapeXml(attributes.type ?? '')}</title></line>`,
    );
  });
  const nodes = [];
  view.graph.forEachNode((node, attributes) => {
    const look = sigma.getNodeDisplayData(node);
    if (!look || look.hidden) return;
    const point = at(node);
    const radius = Math.max(2, look.size);
    nodes.push(
      `<g><circle cx="${point.x.toFixed(1)}" cy="${point.y.toFixed(1)}" r="${radius.toFixed(1)}" fill="${escapeXml(look.color)}" ` +
        `stroke="#ffffff"/><text x="${(point.x + radius + 3).toFixed(1)}" y="${(point.y + 4).toFixed(1)}">${escapeXml(attributes.name ?? look.label ?? node)}</text></g>`,
    );
  });
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12" fill="#1d2733">\n` +
    `<rect width="100%" height="100%" fill="#ffffff"/>\n<g class="edges">${edges.join('')}</g>\n<g class="nodes">${nodes.join('')}</g>\n</svg>\n`
  );
}

// The explorer: sign in, search, neighborhoods, paths, chokepoints and what-if takedowns over atlas-graph's API.

import { Api, ApiError, describeLocation } from './api.js';
import { GraphView, HUB_DEGREE, KINDS, LAYOUTS, TYPES } from './graph.js';
import { SERVICE_KINDS_LABEL, button, formatMetric, h, kindSwatch, percent } from './dom.js';
import { download, emptyFilters, hashOf, pngBlob, pngCanvas, readHash, svgText } from './keep.js';
import { identitySection } from './identity.js';
import { capabilityLosses, displacementList, flatFragmentation, kpiCards, metricRow } from './impact.js';
import { PlanView } from './plans.js';

const KEY_STORAGE = 'atlas-graph.api-key';

const state = {
  me: null,
  pending: 0,
  tab: 'explore',
  expanded: new Set(),
  selected: null, // {type: 'node' | 'edge', id}
  from: null, // {id, name, kind}
  to: null,
  paths: null,
  highlightedPath: null,
  chokepoints: null,
  takedown: new Map(), // id -> {id, name, kind}
  disruption: null,
  jobs: [], // every poll of a job: {analysis, status, progress}
  truncated: false,
  layoutRoot: null, // the entity that radial and hierarchical layouts start from: a neighborhood's centre, a path's source
  filters: emptyFilters(), // what every view is narrowed to; in the URL
  lastView: null, // {type: 'neighborhood', id} or {type: 'paths'}: what new filters re-run
  investigation: null, // the open investigation, as GET /v1/investigations/{id} answered
  notes: {}, // entity id -> the analyst's note, kept with the investigation
  analyses: [], // the analyses run, with their results, kept with the investigation
  pathExclude: new Map(), // id -> name: entities paths must not pass through ("not through this")
  pathExcludeCategories: new Set(), // categories paths must not pass through
};

const api = new Api(() => sessionStorage.getItem(KEY_STORAGE));
const $ = (selector) => document.querySelector(selector);
const graph = new GraphView($('#cy'), {
  workerUrl: new URL('./layout-worker.js', import.meta.url),
  on: {
    nodeClick: (id, { modifier }) => {
      if (modifier) return; // adding to a multiple selection, for a takedown
      showNodeDetails(id);
      if ($('#expand-on-click').checked && !state.expanded.has(id)) expand(id);
    },
    edgeClick: (id) => showEdgeDetails(id),
    hover: (type, id, position) => showTooltip(type, id, position),
    leave: () => hideTooltip(),
    viewport: () => hideTooltip(),
    layout: (progress) => renderLayoutProgress(progress),
    groupsChanged: () => updateStats(),
  },
});

const plans = new PlanView({
  api, graph, act, scopeParams, select: selectElement, progress: progressReporter, record: recordAnalysis, writeHash, drawn: drawPlan,
});

// For people debugging in the console and for the end-to-end tests, which read what is drawn from here.
window.atlasExplorer = { state, graph, api, plans, measuredLayouts: ['radial', 'force'], measureDraw, pngCanvas: () => pngCanvas(graph), svgText: () => svgText(graph) };

const nextPaint = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

/**
 * Draws `drawing` ({nodes, edges, center}) alone, laid out by `layout` ('radial' as opening a neighborhood does,
 * 'force' as re-layout does); resolves with the milliseconds to the first painted frame (for 'force', the nodes in
 * their starting disc) and to the settled layout.
 */
async function measureDraw({ nodes, edges, center }, layout) {
  graph.clear();
  await nextPaint();
  const start = performance.now();
  graph.merge(nodes, edges, { origin: center });
  graph.setDepth(nodes);
  graph.setCenter(center);
  if (layout === 'radial') await runLayout('radial', { root: center });
  else graph.fit();
  await nextPaint();
  const firstDraw = performance.now() - start;
  const outcome = layout === 'radial' ? {} : await runLayout(layout, { root: center });
  const settled = performance.now() - start;
  updateStats();
  return { nodes: graph.nodeCount, firstDraw, settled, iterations: outcome.iterations ?? 0, outcome: graph.layoutState.state };
}

function nameOf(id) {
  const node = graph.node(id);
  if (node) return node.name;
  return state.takedown.get(id)?.name ?? id;
}

/** A reference as a link when it is a web address, else as text (report ids, source:external_id). */
function reference(text) {
  if (/^https?:\/\//i.test(text)) {
    return h('a', { href: text, target: '_blank', rel: 'noopener noreferrer' }, text);
  }
  return h('code', {}, text);
}

// ------------------------------------------------------------------------------------------------ errors and busy

function showError(error) {
  const box = $('#error');
  const problems = $('#error-problems');
  problems.replaceChildren();
  if (error instanceof ApiError) {
    $('#error-title').textContent = `${error.title}:`;
    let message = error.message;
    if (error.status === 429 && error.retryAfter) message += ` (retry after ${error.retryAfter} s)`;
    if (error.status === 401) message += ' Sign in again with a valid key.';
    $('#error-message').textContent = message;
    for (const problem of error.problems) {
      const where = describeLocation(problem.location);
      problems.append(h('li', {}, where ? h('code', {}, where) : null, where ? ': ' : '', problem.message));
    }
    $('#error-request').textContent = error.requestId ? `request id ${error.requestId}` : '';
  } else {
    $('#error-title').textContent = 'Unexpected error:';
    $('#error-message').textContent = String(error?.message ?? error);
    $('#error-request').textContent = '';
    console.error(error);
  }
  box.hidden = false;
}

function clearError() {
  $('#error').hidden = true;
}

function setPending(delta) {
  state.pending += delta;
  document.body.dataset.pending = String(state.pending);
  $('#busy').hidden = state.pending === 0;
}

/** Runs one user action: shows the busy sign, turns any failure into the error banner. */
async function act(work) {
  clearError();
  setPending(1);
  try {
    return await work();
  } catch (error) {
    showError(error);
    if (error instanceof ApiError && error.status === 401) signOut({ keepError: true });
    return undefined;
  } finally {
    setPending(-1);
  }
}

// ---------------------------------------------------------------------------------------------------------- sign in

function renderCaller() {
  const me = state.me;
  document.body.dataset.signedIn = String(Boolean(me));
  $('#signin-form').hidden = Boolean(me);
  $('#caller').hidden = !me;
  $('#workspace').hidden = !me;
  $('#welcome').hidden = Boolean(me);
  if (me) {
    $('#caller-org').textContent = me.organization;
    $('#caller-role').textContent = me.role;
    $('#caller-role').title = `permissions: ${me.permissions.join(', ')}`;
    $('#caller-key').textContent = me.key_id;
    graph.resize();
  }
}

async function signIn(key) {
  sessionStorage.setItem(KEY_STORAGE, key);
  try {
    const { data } = await api.get('/v1/me');
    state.me = data;
  } catch (error) {
    sessionStorage.removeItem(KEY_STORAGE);
    state.me = null;
    throw error;
  } finally {
    renderCaller();
  }
  if (!state.me.permissions.includes('read')) {
    showError(
      new ApiError({
        status: 0,
        code: 'cannot_read',
        message: `This ${state.me.role} key may not read: searches and analyses will be refused. Use a reader or analyst key.`,
      }),
    );
  }
}

function signOut({ keepError = false } = {}) {
  sessionStorage.removeItem(KEY_STORAGE);
  state.me = null;
  state.expanded.clear();
  state.selected = null;
  state.from = state.to = state.paths = state.chokepoints = state.disruption = null;
  state.takedown.clear();
  state.investigation = null;
  state.notes = {};
  state.analyses = [];
  state.pathExclude.clear();
  state.pathExcludeCategories.clear();
  plans.reset();
  graph.clear();
  renderInvestigation();
  for (const id of ['#search-results', '#inv-list', '#paths-avoid', '#paths-list', '#cp-list', '#takedown-list', '#disruption-result']) {
    $(id).replaceChildren();
  }
  for (const id of ['#search-summary', '#paths-summary', '#cp-summary']) $(id).textContent = '';
  for (const id of ['#cp-progress', '#dr-progress']) $(id).hidden = true;
  $('#cp-draw').disabled = true;
  showTab('explore');
  renderTakedown();
  renderEndpoints();
  renderDetailsPlaceholder();
  updateStats();
  if (!keepError) clearError();
  renderCaller();
}

// ------------------------------------------------------------------------------------------------------------- tabs

function showTab(name) {
  state.tab = name;
  for (const tab of document.querySelectorAll('[role=tab]')) {
    tab.setAttribute('aria-selected', String(tab.dataset.tab === name));
  }
  for (const panel of document.querySelectorAll('[role=tabpanel]')) panel.hidden = panel.id !== `tab-${name}`;
}

// ---------------------------------------------------------------------------------------------------- graph state

function updateStats() {
  const nodes = graph.nodeCount;
  const edges = graph.edgeCount;
  const parts = [`${nodes} entit${nodes === 1 ? 'y' : 'ies'}`, `${edges} relationship${edges === 1 ? '' : 's'}`];
  const ranked = graph.marked('chokepoint').length;
  if (ranked) parts.push(`${ranked} chokepoint${ranked === 1 ? '' : 's'} highlighted`);
  const removed = graph.marked('removed').length;
  if (removed) parts.push(`${removed} taken down`);
  const groups = graph.groups();
  if (groups.length) {
    const folded = groups.reduce((sum, group) => sum + group.members.length, 0);
    parts.push(`${folded} folded into ${groups.length} hub group${groups.length === 1 ? '' : 's'} (click one to unfold)`);
  }
  if (state.truncated) parts.push('neighborhood cut at the limit');
  $('#graph-stats').textContent = parts.join(' · ');
  $('#graph-empty').hidden = nodes > 0;
}

/** Re-applies what analyses marked, after nodes were added. */
function applyMarks() {
  graph.markExpanded(state.expanded);
  graph.markTakedown([...state.takedown.keys()]);
  graph.markChokepoints(state.chokepoints?.chokepoints ?? []);
  plans.mark();
  if (state.disruption) {
    graph.markDisruption(
      state.disruption.removed.map((item) => item.id),
      state.disruption.capabilities.losses.map((item) => item.id),
    );
  }
  updateStats();
}

async function loadNeighborhood(id, { replace }) {
  const depth = Number($('#nb-depth').value);
  const limit = $('#nb-limit').value;
  const { data } = await api.get(`/v1/entities/${encodeURIComponent(id)}/neighborhood`, { depth, limit, ...scopeParams({ kinds: true }) });
  if (replace) state.lastView = { type: 'neighborhood', id };
  if (replace) {
    graph.clear();
    state.expanded.clear();
    state.paths = null;
    state.highlightedPath = null;
  }
  graph.merge(data.nodes, data.edges, { origin: data.center });
  state.expanded.add(data.center);
  state.truncated = data.truncated;
  if (replace) {
    graph.setDepth(data.nodes);
    graph.setCenter(data.center);
    state.layoutRoot = data.center;
    setLayoutMode('radial');
    runLayout('radial', { root: data.center });
  } else {
    // Grows from the positions drawn; not awaited: the page stays usable while the worker lays out.
    setLayoutMode('force');
    runLayout('force');
  }
  applyMarks();
  return data;
}

async function openNeighborhood(id) {
  await act(async () => {
    await loadNeighborhood(id, { replace: true });
    selectElement(id);
  });
}

async function expand(id) {
  await act(() => loadNeighborhood(id, { replace: false }));
}

function selectElement(id) {
  if (!graph.node(id) && !graph.edge(id)) return;
  graph.select(id);
  if (graph.node(id)) showNodeDetails(id);
  else showEdgeDetails(id);
}

// ---------------------------------------------------------------------------------------------------------- details

function renderDetailsPlaceholder() {
  $('#details').replaceChildren(
    h('p', { class: 'muted' }, 'Select a node or a relationship to see who says so, how sure they are, and their sources.'),
  );
}

function tlpBadge(tlp) {
  return h('span', { class: `tlp tlp-${tlp.toLowerCase().replace('+', '-')}`, title: 'Traffic Light Protocol' }, `TLP:${tlp}`);
}

function confidenceMeter(confidence) {
  return h(
    'span',
    { class: 'meter', title: `confidence ${confidence} of 100` },
    h('span', { class: 'meter-track' }, h('span', { class: 'meter-bar', style: { width: `${Math.max(0, Math.min(100, confidence))}%` } })),
    h('span', { class: 'meter-text' }, String(confidence)),
  );
}

function seen(assertion) {
  if (!assertion.first_seen && !assertion.last_seen) return 'held: no dates given';
  return `held ${assertion.first_seen ?? '…'} – ${assertion.last_seen ?? '…'}`;
}

/** One organization's claim: who, how sure, who may see it, when it held, and its sources. */
function assertionCard(assertion) {
  const own = state.me && assertion.organization === state.me.organization;
  return h(
    'li',
    { class: 'assertion', dataset: { assertionId: assertion.id } },
    h(
      'div',
      { class: 'assertion-head' },
      h('strong', { class: 'org' }, assertion.organization),
      own ? h('span', { class: 'badge' }, 'yours') : null,
      confidenceMeter(assertion.confidence),
      tlpBadge(assertion.tlp),
    ),
    h('div', { class: 'muted small' }, seen(assertion), ` · recorded ${assertion.recorded_at.slice(0, 10)}`),
    assertion.name
      ? h('div', { class: 'small' }, 'names it ', h('em', {}, assertion.name), assertion.aliases?.length ? ` (aka ${assertion.aliases.join(', ')})` : '')
      : null,
    assertion.amount !== undefined && assertion.amount !== null
      ? h('div', { class: 'small' }, `amount ${assertion.amount} ${assertion.currency ?? ''}`)
      : null,
    assertion.description ? h('p', { class: 'description' }, assertion.description) : null,
    assertion.references?.length
      ? h('div', { class: 'refs small' }, 'sources: ', h('ul', {}, assertion.references.map((ref) => h('li', {}, reference(ref)))))
      : h('div', { class: 'refs small muted' }, 'no sources given'),
    assertion.share_with?.length ? h('div', { class: 'small muted' }, `shared with ${assertion.share_with.join(', ')}`) : null,
  );
}

function entityActions(entity) {
  const inTakedown = state.takedown.has(entity.id);
  return h(
    'div',
    { class: 'row actions' },
    button('Expand neighborhood', () => expand(entity.id), { id: 'details-expand' }),
    button('Paths from here', () => setEndpoint('from', entity), { id: 'details-from' }),
    button('Paths to here', () => setEndpoint('to', entity), { id: 'details-to' }),
    button('Entity page', () => showEntityPage(entity), { id: 'details-page', title: 'Its neighbours as a table, and its history' }),
    state.paths && entity.id !== state.from?.id && entity.id !== state.to?.id
      ? button('Not through this', () => avoidInPaths(entity), { id: 'details-avoid', title: 'Find the paths again, avoiding this entity' })
      : null,
    state.paths && entity.category && entity.id !== state.from?.id && entity.id !== state.to?.id
      ? button(`Not through any ${SERVICE_KINDS_LABEL(entity.category)}`, () => avoidCategoryInPaths(entity.category), { id: 'details-avoid-category' })
      : null,
    button(inTakedown ? 'Remove from takedown' : 'Add to takedown', () => {
      if (inTakedown) removeFromTakedown(entity.id);
      else addToTakedown([entity]);
      showNodeDetails(entity.id);
    }, { id: 'details-takedown' }),
  );
}

async function showNodeDetails(id) {
  state.selected = { type: 'node', id };
  const node = graph.node(id);
  const summary = node ? { id, name: node.name, kind: node.kind } : { id, name: id, kind: null };
  $('#details').replaceChildren(h('h3', {}, summary.kind ? kindSwatch(summary.kind) : null, summary.name), h('p', { class: 'muted' }, 'Loading…'));
  const entity = await act(async () => (await api.get(`/v1/entities/${encodeURIComponent(id)}`)).data);
  if (!entity || state.selected?.id !== id) return;
  const attributes = Object.entries(entity.attributes ?? {});
  const counts = Object.entries(entity.relationship_counts ?? {});
  $('#details').replaceChildren(
    h('div', { id: 'details-entity', dataset: { entityId: entity.id } },
      h('h3', {}, kindSwatch(entity.kind), entity.name),
      h('p', { class: 'small' }, h('span', { class: 'badge' }, KINDS[entity.kind]?.label ?? entity.kind), entity.category ? ` · ${SERVICE_KINDS_LABEL(entity.category)}` : ''),
      h('p', { class: 'small muted' }, 'id ', h('code', {}, entity.id)),
      entity.aliases.length ? h('p', { class: 'small' }, 'also known as ', entity.aliases.join(', ')) : null,
      attributes.length
        ? h('dl', { class: 'attributes small' }, attributes.map(([key, value]) => [h('dt', {}, key), h('dd', {}, typeof value === 'object' ? JSON.stringify(value) : String(value))]))
        : null,
      counts.length ? h('p', { class: 'small' }, 'relationships: ', counts.map(([type, n]) => `${type} ${n}`).join(', ')) : null,
      entity.merged_ids.length ? h('p', { class: 'small muted' }, `merged from ${entity.merged_ids.join(', ')}`) : null,
      entityActions(entity),
      noteEditor(entity.id),
      h('h4', {}, `${entity.assertions.length} claim${entity.assertions.length === 1 ? '' : 's'} about it`),
      h('ul', { class: 'assertions' }, entity.assertions.map(assertionCard)),
    ),
  );
}

function endpointButton(id) {
  return button(nameOf(id), () => selectElement(id), { class: 'link' });
}

function showEdgeDetails(id) {
  state.selected = { type: 'edge', id };
  const data = graph.edge(id);
  if (!data) return;
  $('#details').replaceChildren(
    h('div', { id: 'details-edge', dataset: { edgeId: id } },
      h('h3', { class: 'edge-title' }, endpointButton(data.source), h('span', { class: `edge-type type-${data.type}` }, ` —${data.type}→ `), endpointButton(data.target)),
      h('p', { class: 'small' }, 'best confidence ', confidenceMeter(data.confidence), ` · ${data.organizations} organization${data.organizations === 1 ? '' : 's'} say so`),
      h('h4', {}, `${data.assertions.length} assertion${data.assertions.length === 1 ? '' : 's'}`),
      h('ul', { class: 'assertions' }, data.assertions.map(assertionCard)),
    ),
  );
}

// ---------------------------------------------------------------------------------------------------------- tooltip

function showTooltip(type, id, position) {
  const tip = $('#tooltip');
  let content;
  if (type === 'node') {
    const data = graph.node(id);
    if (!data) return; // a "+N" group: its label says what it is

    content = [
      h('strong', {}, data.name),
      h('div', { class: 'muted' }, KINDS[data.kind]?.label ?? data.kind, data.category ? ` · ${SERVICE_KINDS_LABEL(data.category)}` : ''),
      h('div', { class: 'muted' }, state.expanded.has(data.id) ? 'neighborhood drawn' : 'click to expand'),
    ];
  } else {
    const data = graph.edge(id);
    if (!data?.assertions) return;
    content = [
      h('strong', {}, `${nameOf(data.source)} —${data.type}→ ${nameOf(data.target)}`),
      h('div', {}, `confidence ${data.confidence} · ${data.organizations} organization${data.organizations === 1 ? '' : 's'}`),
      h('ul', {}, data.assertions.slice(0, 4).map((a) => h('li', {}, `${a.organization}: ${a.confidence}, TLP:${a.tlp}, ${a.references.length} source${a.references.length === 1 ? '' : 's'}`))),
      data.assertions.length > 4 ? h('div', { class: 'muted' }, `and ${data.assertions.length - 4} more: click for all`) : h('div', { class: 'muted' }, 'click for the evidence'),
    ];
  }
  tip.replaceChildren(...content);
  // Sigma gives the position within the canvas; the tooltip is placed within the graph panel, below its toolbar.
  const canvas = $('#cy');
  tip.style.left = `${canvas.offsetLeft + position.x + 14}px`;
  tip.style.top = `${canvas.offsetTop + position.y + 14}px`;
  tip.hidden = false;
}

function hideTooltip() {
  $('#tooltip').hidden = true;
}

// ----------------------------------------------------------------------------------------------------------- search

async function search() {
  const q = $('#search-q').value.trim();
  const kind = $('#search-kind').value;
  await act(async () => {
    const { data } = await api.get('/v1/entities', { q, kind, limit: 50 });
    const shown = data.items.length;
    $('#search-summary').textContent =
      data.total === 0 ? 'No entity you may see matches.' : `${data.total} match${data.total === 1 ? '' : 'es'}${shown < data.total ? `, first ${shown} shown` : ''}`;
    renderKindFilters(data.kinds ?? {}, kind);
    $('#search-results').replaceChildren(
      ...data.items.map((item) =>
        h('li', { class: 'result', dataset: { entityId: item.id } },
          h('div', { class: 'result-name' }, kindSwatch(item.kind), button(item.name, () => openNeighborhood(item.id), { class: 'link open', title: 'Draw its neighborhood' }),
            h('span', { class: 'rel-count muted small', title: 'relationships you may see' }, ` ${item.relationship_count} rel.`)),
          h('div', { class: 'muted small result-kind' }, KINDS[item.kind]?.label ?? item.kind, item.category ? ` · ${SERVICE_KINDS_LABEL(item.category)}` : '', item.aliases.length ? ` · aka ${item.aliases.join(', ')}` : ''),
          h('div', { class: 'row small' },
            button('Neighborhood', () => openNeighborhood(item.id), { class: 'open-neighborhood' }),
            button('From', () => setEndpoint('from', item), { class: 'set-from' }),
            button('To', () => setEndpoint('to', item), { class: 'set-to' }),
            button('Take down', () => addToTakedown([item]), { class: 'add-takedown' }),
          ),
        ),
      ),
    );
  });
}

/** One button per kind among the hits (with its count): a click narrows the search to that kind, or widens it again. */
function renderKindFilters(kinds, active) {
  const entries = Object.entries(kinds).sort((a, b) => b[1] - a[1]);
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  const choose = (kind) => { $('#search-kind').value = kind; search(); };
  $('#search-kinds').replaceChildren(
    ...(entries.length > 1 || active
      ? [
          button(`all ${total}`, () => choose(''), { class: `chip${active ? '' : ' active'}`, dataset: { kind: '' } }),
          ...entries.map(([kind, count]) =>
            button([kindSwatch(kind), ` ${KINDS[kind]?.label ?? kind} ${count}`], () => choose(kind),
              { class: `chip${kind === active ? ' active' : ''}`, dataset: { kind } })),
        ]
      : []),
  );
}

// ------------------------------------------------------------------------------------------------------------ paths

function renderEndpoints() {
  for (const end of ['from', 'to']) {
    const entity = state[end];
    $(`#path-${end}`).replaceChildren(...(entity ? [kindSwatch(entity.kind), ` ${entity.name}`] : ['pick an entity']));
  }
  const ready = Boolean(state.from && state.to);
  $('#paths-run').disabled = !ready;
  $('#tab-button-paths').textContent = `Paths${state.from || state.to ? ` (${[state.from, state.to].filter(Boolean).length}/2)` : ''}`;
}

function setEndpoint(end, entity) {
  state[end] = { id: entity.id, name: entity.name, kind: entity.kind };
  renderEndpoints();
}

function hopLine(hop, names) {
  const source = names.get(hop.source) ?? hop.source;
  const target = names.get(hop.target) ?? hop.target;
  // Shown in path order: a backward hop is a relationship pointing from the next entity to the previous one.
  return hop.direction === 'forward'
    ? [h('strong', {}, source), h('span', { class: `edge-type type-${hop.type}` }, ` —${hop.type}→ `), h('strong', {}, target)]
    : [h('strong', {}, target), h('span', { class: `edge-type type-${hop.type}` }, ` ←${hop.type}— `), h('strong', {}, source)];
}

function compactAssertion(assertion) {
  return h('li', { class: 'small' },
    h('strong', {}, assertion.organization), ` ${assertion.confidence} `, tlpBadge(assertion.tlp),
    assertion.first_seen || assertion.last_seen ? ` ${seen(assertion)}` : '',
    assertion.references.length ? [' · ', assertion.references.map((ref, i) => [i ? ', ' : '', reference(ref)])] : h('span', { class: 'muted' }, ' · no sources'),
    assertion.description ? h('div', { class: 'muted' }, assertion.description) : null,
  );
}

function togglePath(index) {
  state.highlightedPath = state.highlightedPath === index ? null : index;
  graph.highlightPath(state.highlightedPath === null ? null : state.paths.paths[index]);
  document.querySelectorAll('#paths-list > li').forEach((item, i) => item.classList.toggle('active', i === state.highlightedPath));
}

async function findPaths() {
  if (!state.from || !state.to) return;
  await act(async () => {
    const { data } = await api.get('/v1/paths', {
      from: state.from.id,
      to: state.to.id,
      max_hops: $('#path-max-hops').value,
      limit: $('#path-limit').value,
      direction: $('#path-direction').value,
      ...scopeParams({ kinds: true }),
      exclude: [...state.pathExclude.keys()],
      exclude_categories: [...state.pathExcludeCategories],
    });
    state.lastView = { type: 'paths' };
    state.paths = data;
    state.highlightedPath = null;
    graph.clear();
    state.expanded.clear();
    state.truncated = false;
    for (const path of data.paths) graph.merge(path.nodes, path.relationships, { origin: data.from });
    state.layoutRoot = data.from;
    setLayoutMode('hierarchical');
    runLayout('hierarchical', { root: data.from });
    applyMarks();
    const count = data.paths.length;
    $('#paths-summary').textContent = count
      ? `${count} path${count === 1 ? '' : 's'} from ${state.from.name} to ${state.to.name} within ${data.bounds.max_hops} hops, shortest first; drawn on the graph.`
      : `No path from ${state.from.name} to ${state.to.name} within ${data.bounds.max_hops} hops that you may see.`;
    $('#paths-list').replaceChildren(
      ...data.paths.map((path, index) => {
        const names = new Map(path.nodes.map((node) => [node.id, node.name]));
        return h('li', { class: 'path', dataset: { confidence: path.confidence, length: path.length } },
          button(`Path ${index + 1} · ${path.length} hop${path.length === 1 ? '' : 's'} · confidence ${percent(path.confidence)}`, () => togglePath(index), { class: 'path-head', title: 'Highlight on the graph' }),
          h('div', { class: 'chain small' }, path.nodes.map((node, i) => [i ? ' → ' : '', kindSwatch(node.kind), node.name])),
          h('ol', { class: 'hops' },
            path.relationships.map((hop) =>
              h('li', { class: 'hop' },
                h('div', {}, hopLine(hop, names), h('span', { class: 'muted small' }, ` best ${hop.confidence}, ${hop.assertions.length} assertion${hop.assertions.length === 1 ? '' : 's'}`)),
                h('ul', { class: 'evidence' }, hop.assertions.map(compactAssertion)),
              ),
            ),
          ),
        );
      }),
    );
  });
}

// ------------------------------------------------------------------------------------------------------ chokepoints

function progressReporter(prefix, analysis) {
  return (fraction, status, jobId) => {
    state.jobs.push({ analysis, status, progress: fraction });
    $(`#${prefix}-progress`).hidden = false;
    $(`#${prefix}-progress-bar`).value = fraction;
    $(`#${prefix}-progress-text`).textContent = `job ${status} · ${Math.round(fraction * 100)}%`;
    // A job started by mistake holds the worker that every later job waits for: let it be stopped.
    const cancel = $(`#${prefix}-cancel`);
    cancel.hidden = status !== 'queued' && status !== 'running';
    cancel.onclick = () => act(() => api.cancelJob(jobId));
  };
}

async function rankChokepoints() {
  const kinds = [...document.querySelectorAll('input[name=cp-kind]:checked')].map((input) => input.value);
  const stability = $('#cp-stability').checked;
  await act(async () => {
    $('#cp-progress').hidden = true;
    const answer = await api.get('/v1/analysis/chokepoints', {
      method: $('#cp-method').value,
      top: $('#cp-top').value,
      kinds,
      stability: stability ? 'true' : undefined,
      ...scopeParams(),
    });
    const result = await api.analysis(answer, progressReporter('cp', 'chokepoints'));
    state.chokepoints = result;
    recordAnalysis('chokepoints', { method: result.method, top: result.top, kinds, ...scopeParams() },
      { chokepoints: result.chokepoints.map(({ id, name, kind, rank, score }) => ({ id, name, kind, rank, score })) });
    applyMarks();
    const drawn = graph.marked('chokepoint').length;
    const scope = result.scope;
    $('#cp-summary').textContent =
      `${result.chokepoints.length} ranked by ${result.method} on the ${scope.nodes} entities and ${scope.edges} relationships you may see` +
      (result.substitution ? `, losses after substitution by ${result.substitution}` : '') +
      (result.stability_samples ? `, stability over ${result.stability_samples} resampled graphs` : '') +
      `; ${drawn} drawn on the graph (ringed).` +
      (result.notes?.length ? ` ${result.notes.join(' ')}` : '');
    $('#cp-draw').disabled = result.chokepoints.length === 0;
    $('#cp-list').replaceChildren(
      ...result.chokepoints.map((point) =>
        h('li', { class: 'chokepoint', dataset: { entityId: point.id, rank: point.rank } },
          h('div', { class: 'cp-head' },
            h('span', { class: 'rank' }, `#${point.rank}`), kindSwatch(point.kind),
            button(point.name, () => showChokepoint(point), { class: 'link', title: 'Show on the graph' }),
            h('span', { class: 'muted small' }, ` score ${formatMetric(point.score)}`),
          ),
          h('div', { class: 'muted small' }, KINDS[point.kind]?.label ?? point.kind, point.category ? ` · ${SERVICE_KINDS_LABEL(point.category)}` : ''),
          h('p', { class: 'explanation' }, point.explanation),
          point.stability ? h('div', { class: 'small' }, `in the top ${result.top} of ${percent(point.stability.frequency * 100, 0)} of resampled graphs`) : null,
          h('details', { class: 'small' }, h('summary', {}, 'metrics'),
            h('dl', { class: 'attributes' }, Object.entries(point.metrics).map(([key, value]) => [h('dt', {}, key), h('dd', {}, formatMetric(value))]))),
          h('div', { class: 'row small' },
            button('Show on graph', () => showChokepoint(point)),
            button('Take down', () => addToTakedown([point])),
          ),
        ),
      ),
    );
  });
}

async function showChokepoint(point) {
  if (!graph.node(point.id) || !state.expanded.has(point.id)) {
    if (graph.empty) await openNeighborhood(point.id);
    else await expand(point.id);
  }
  selectElement(point.id);
}

async function drawTopChokepoints() {
  const top = (state.chokepoints?.chokepoints ?? []).slice(0, 5);
  await act(async () => {
    for (const point of top) {
      if (!state.expanded.has(point.id)) await loadNeighborhood(point.id, { replace: graph.empty });
    }
  });
}

// ---------------------------------------------------------------------------------------------------------- what-if

function renderTakedown() {
  const items = [...state.takedown.values()];
  $('#takedown-list').replaceChildren(
    ...(items.length
      ? items.map((item) => h('li', { dataset: { entityId: item.id } }, kindSwatch(item.kind), ` ${item.name} `,
          button('×', () => removeFromTakedown(item.id), { class: 'close', 'aria-label': `Remove ${item.name}` })))
      : [h('li', { class: 'muted small' }, 'nothing chosen yet')]),
  );
  $('#disruption-run').disabled = items.length === 0;
  $('#tab-button-whatif').textContent = `What-if${items.length ? ` (${items.length})` : ''}`;
  graph.markTakedown(state.takedown.keys());
}

function addToTakedown(entities) {
  for (const entity of entities) state.takedown.set(entity.id, { id: entity.id, name: entity.name, kind: entity.kind });
  renderTakedown();
}

function removeFromTakedown(id) {
  state.takedown.delete(id);
  renderTakedown();
}

async function simulateDisruption() {
  const remove = [...state.takedown.keys()];
  await act(async () => {
    $('#dr-progress').hidden = true;
    const scope = scopeParams();
    const substitution = $('#dr-substitution').value;
    const answer = await api.post('/v1/analysis/disruption', {
      remove,
      substitution,
      min_confidence: scope.min_confidence,
      as_of: scope.as_of,
      types: scope.types,
      categories: scope.categories,
      only_mine: Boolean(scope.only_mine),
    });
    const result = await api.analysis(answer, progressReporter('dr', 'disruption'));
    state.disruption = result;
    recordAnalysis('disruption', { remove, substitution, ...scope },
      { removed: result.removed, before: result.before, after: result.after, impact: result.impact, capability_loss: result.capabilities.loss });
    applyMarks();
    const { before, after, impact, capabilities } = result;
    const services = [...new Set([...Object.keys(before.actors_reaching_service), ...Object.keys(after.actors_reaching_service)])].sort();
    $('#disruption-result').replaceChildren(h('div', {},
      h('h4', {}, 'Taking down ', result.removed.map((item, i) => [i ? ', ' : '', kindSwatch(item.kind), item.name])),
      kpiCards(result),
      h('h4', {}, `Who loses which capabilities (substitution: ${capabilities.substitution})`),
      capabilityLosses(capabilities.losses, { select: selectElement, id: 'capability-losses' }),
      h('h4', {}, 'Where the others go'),
      displacementList(capabilities.displacement, { select: selectElement, id: 'displacement' }),
      h('h4', {}, 'Before and after'),
      h('table', { class: 'metrics', id: 'disruption-metrics' },
        h('thead', {}, h('tr', {}, h('th', {}, 'metric'), h('th', {}, 'before'), h('th', {}, 'after'), h('th', {}, 'change'))),
        h('tbody', {},
          metricRow('connected pairs', before.pairwise_connectivity, after.pairwise_connectivity),
          metricRow('actor–victim pairs', before.actor_victim_pairs, after.actor_victim_pairs),
          services.map((service) =>
            metricRow(`actors reaching ${SERVICE_KINDS_LABEL(service)}`, before.actors_reaching_service[service] ?? 0, after.actors_reaching_service[service] ?? 0)),
          metricRow('entities', before.nodes, after.nodes),
          metricRow('fragments (components)', before.components, after.components, { lowerIsBetter: false }),
          metricRow('largest fragment', before.largest_component, after.largest_component),
          metricRow('fragmentation', before.fragmentation, after.fragmentation, { format: (v) => percent(v * 100), lowerIsBetter: false, flat: flatFragmentation(before, after) }),
        ),
      ),
      h('h4', {}, 'Who lost a kind of service (no substitutes counted)'),
      impact.lost_service_access.length
        ? h('ul', { class: 'lost', id: 'lost-services' },
            impact.lost_service_access.map((actor) =>
              h('li', { dataset: { entityId: actor.id } },
                button(actor.name, () => selectElement(actor.id), { class: 'link' }), ' lost ',
                actor.lost.map((service) => h('span', { class: 'badge service' }, SERVICE_KINDS_LABEL(service))))))
        : h('p', { class: 'muted small' }, 'No actor loses access to a kind of service.'),
      impact.actors_losing_service > impact.lost_service_access.length
        ? h('p', { class: 'muted small' }, `first ${impact.lost_service_access.length} of ${impact.actors_losing_service} shown`)
        : null,
      h('p', { class: 'muted small' }, 'On the graph: taken-down entities are greyed out; actors that lose a capability have an orange ring.'),
      button('Undo the takedown on the graph', () => { state.disruption = null; graph.clearDisruption(); applyMarks(); $('#disruption-result').replaceChildren(); }),
    ));
  });
}

/** Draws a plan's targets and losers with their neighbourhoods alone, in columns by dependency. */
async function drawPlan(nodes, edges) {
  graph.clear();
  graph.clearMarks();
  state.expanded.clear();
  state.paths = state.chokepoints = state.disruption = null; // other analyses' rings would read as the plan's
  state.highlightedPath = null;
  state.truncated = false;
  state.lastView = { type: 'plan' };
  state.layoutRoot = null;
  graph.merge(nodes, edges);
  setLayoutMode('hierarchical');
  await runLayout('hierarchical'); // by dependency: actors, then what they use, then what that runs on
  applyMarks();
}

// ----------------------------------------------------------------------------------------------------------- filters

/** The filters the API takes, as query parameters (empty ones left out); `kinds` only where a path search or a
 * neighborhood takes it. The API applies every one of them (issue 18), so rankings and what-ifs run on the graph
 * the filters keep, not on a view of the pooled one. */
function scopeParams({ kinds = false } = {}) {
  const { min_confidence: confidence, as_of: asOf, types, categories, own_only: onlyMine } = state.filters;
  const params = {
    min_confidence: confidence || undefined,
    as_of: asOf || undefined,
    types: types.length ? types : undefined,
    categories: categories.length ? categories : undefined,
    only_mine: onlyMine ? 'true' : undefined,
  };
  // Only where asked: a spread `kinds: undefined` would wipe the chokepoints' own `kinds` (the kinds ranked).
  if (kinds && state.filters.kinds.length) params.kinds = state.filters.kinds;
  return params;
}

const DAY_MS = 86_400_000;
const today = () => new Date().toISOString().slice(0, 10);

function renderFilterControls() {
  const filters = state.filters;
  $('#f-min-confidence').value = String(filters.min_confidence);
  $('#f-as-of').value = filters.as_of ?? '';
  $('#f-as-of-slider').value = filters.as_of ? String(Math.round((Date.parse(filters.as_of) - Date.parse(today())) / DAY_MS)) : '0';
  for (const input of document.querySelectorAll('input[name=f-type]')) input.checked = filters.types.includes(input.value);
  for (const input of document.querySelectorAll('input[name=f-kind]')) input.checked = filters.kinds.includes(input.value);
  $('#f-categories').value = filters.categories.map(SERVICE_KINDS_LABEL).join(', ');
  $('#f-own-only').checked = filters.own_only;
  renderFilterSummary();
}

function renderFilterSummary() {
  const filters = state.filters;
  const parts = [];
  if (filters.min_confidence) parts.push(`confidence ≥ ${filters.min_confidence}`);
  if (filters.as_of) parts.push(`as of ${filters.as_of}`);
  if (filters.types.length) parts.push(filters.types.join(', '));
  if (filters.kinds.length) parts.push(filters.kinds.map(SERVICE_KINDS_LABEL).join(', '));
  if (filters.categories.length) parts.push(filters.categories.map(SERVICE_KINDS_LABEL).join(', '));
  if (filters.own_only) parts.push('only mine');
  $('#filters-summary').textContent = parts.length ? parts.join(' · ') : 'none';
}

function readFilterControls() {
  const confidence = Math.round(Number($('#f-min-confidence').value));
  return {
    min_confidence: Number.isFinite(confidence) ? Math.max(0, Math.min(100, confidence)) : 0,
    as_of: $('#f-as-of').value || null,
    types: [...document.querySelectorAll('input[name=f-type]:checked')].map((input) => input.value),
    kinds: [...document.querySelectorAll('input[name=f-kind]:checked')].map((input) => input.value),
    categories: $('#f-categories').value.split(',').map((text) => text.trim().toLowerCase().replaceAll(' ', '_')).filter(Boolean),
    own_only: $('#f-own-only').checked,
  };
}

/** What the API does not filter is hidden on the drawn graph: kinds, categories, and claims of other organizations. */
function applyViewFilter() {
  const { kinds, categories, own_only: ownOnly } = state.filters;
  const mine = state.me?.organization;
  const ownEdge = (edge) => edge.assertions?.some((assertion) => assertion.organization === mine);
  const nodeShown = (data) =>
    (!kinds.length || kinds.includes(data.kind)) &&
    (!categories.length || categories.includes(data.category ?? 'uncategorized')) &&
    (!ownOnly || data.marks?.has('center') || graph.graph.someEdge(data.id, (edge, attributes) => !attributes.group && ownEdge(attributes)));
  graph.setViewFilter({
    node: kinds.length || categories.length || ownOnly ? nodeShown : null,
    edge: ownOnly ? ownEdge : null,
  });
}

function writeHash() {
  const hash = hashOf({ investigation: state.investigation?.id ?? null, filters: state.filters, plan: plans.hashState() });
  if (hash !== window.location.hash) history.replaceState(null, '', `${window.location.pathname}${window.location.search}${hash}`);
}

/** Takes new filters: into the URL and onto the graph, and re-runs the view drawn so that the API applies them. */
async function setFilters(filters, { rerun = true } = {}) {
  state.filters = filters;
  renderFilterControls();
  writeHash();
  applyViewFilter();
  if (!rerun) return;
  if (state.lastView?.type === 'neighborhood') await openNeighborhood(state.lastView.id);
  else if (state.lastView?.type === 'paths') await findPaths();
  else if (state.lastView?.type === 'plan') await plans.run();
}

// -------------------------------------------------------------------------------------------------- investigations

function noteEditor(id) {
  return h('label', { class: 'note small' }, 'Note (kept with the investigation)',
    h('textarea', {
      id: 'details-note', rows: 3, maxlength: 10000, placeholder: 'What you know or suspect about it…',
      oninput: (event) => {
        const text = event.target.value;
        if (text.trim()) state.notes[id] = text;
        else delete state.notes[id];
      },
    }, state.notes[id] ?? ''));
}

function recordAnalysis(analysis, parameters, result) {
  const clean = Object.fromEntries(Object.entries(parameters).filter(([, value]) => value !== undefined));
  state.analyses.push({ analysis, parameters: clean, result, ran_at: new Date().toISOString() });
}

/** The working set drawn now, as POST and PATCH /v1/investigations take it. */
function workingSet() {
  const entities = graph.entityIds();
  const drawn = new Set(entities);
  const positions = Object.fromEntries(entities.map((id) => {
    const { x, y } = graph.graph.getNodeAttributes(id);
    return [id, { x, y }];
  }));
  return {
    entities,
    positions,
    filters: state.filters,
    notes: Object.fromEntries(Object.entries(state.notes).filter(([id]) => drawn.has(id))),
    analyses: state.analyses.slice(-50),
  };
}

function renderInvestigation() {
  const current = state.investigation;
  const own = !current || current.own;
  $('#inv-current').replaceChildren(
    ...(current
      ? [h('strong', {}, current.name), ` · ${current.entity_count} entit${current.entity_count === 1 ? 'y' : 'ies'} · `,
          current.own ? (current.share_with.length ? `shared with ${current.share_with.join(', ')}` : 'private to your organization') : `shared by ${current.organization} (read only)`,
          h('div', { class: 'muted' }, 'link: ', h('code', { id: 'inv-link' }, `${window.location.origin}/#investigation=${current.id}`))]
      : ['Nothing saved yet: what is drawn, with its filters and notes, can be kept as an investigation.']),
  );
  if (current && document.activeElement !== $('#inv-name')) $('#inv-name').value = current.name;
  $('#inv-save').disabled = !own;
  $('#inv-share-button').disabled = !current || !current.own;
  $('#export-json').disabled = $('#export-stix').disabled = !current;
  $('#tab-button-investigations').textContent = current ? 'Saved ✓' : 'Saved';
}

async function listInvestigations() {
  const { data } = await api.get('/v1/investigations');
  $('#inv-list').replaceChildren(
    ...(data.items.length
      ? data.items.map((item) =>
          h('li', { class: 'result investigation', dataset: { investigationId: item.id } },
            h('div', { class: 'result-name' }, button(item.name, () => openInvestigation(item.id), { class: 'link open-investigation' })),
            h('div', { class: 'muted small' }, `${item.entity_count} entities · ${item.own ? (item.share_with.length ? `shared with ${item.share_with.join(', ')}` : 'private') : `from ${item.organization}`} · ${item.updated_at.slice(0, 16).replace('T', ' ')}`)))
      : [h('li', { class: 'muted small' }, 'None yet.')]),
  );
}

async function saveInvestigation({ asNew = false } = {}) {
  const name = $('#inv-name').value.trim();
  await act(async () => {
    const body = { ...workingSet(), name: name || state.investigation?.name || 'Untitled investigation' };
    const { data } = state.investigation && !asNew && state.investigation.own
      ? await api.request('PATCH', `/v1/investigations/${encodeURIComponent(state.investigation.id)}`, { body })
      : await api.post('/v1/investigations', body);
    state.investigation = data;
    writeHash();
    renderInvestigation();
    await listInvestigations();
  });
}

async function shareInvestigation() {
  const names = $('#inv-share').value.split(',').map((name) => name.trim()).filter(Boolean);
  await act(async () => {
    const { data } = await api.request('PATCH', `/v1/investigations/${encodeURIComponent(state.investigation.id)}`, {
      body: { share_with: [...new Set([...state.investigation.share_with, ...names])] },
    });
    state.investigation = data;
    $('#inv-share').value = '';
    renderInvestigation();
    await listInvestigations();
  });
}

/** Draws the saved entities, the relationships among them (within the filters) and the saved positions. */
async function openInvestigation(id) {
  await act(async () => {
    const { data } = await api.get(`/v1/investigations/${encodeURIComponent(id)}`);
    state.investigation = data;
    state.notes = { ...data.notes };
    state.analyses = [...data.analyses];
    state.filters = { ...emptyFilters(), ...data.filters };
    renderFilterControls();
    graph.clear();
    state.expanded.clear();
    state.paths = null;
    state.lastView = null;
    const wanted = new Set(data.entities);
    const nodes = new Map();
    const edges = [];
    // Each entity's depth-1 neighborhood brings its data and its relationships; those to entities outside the
    // investigation are left out. A few requests at a time: the service is shared.
    for (let start = 0; start < data.entities.length; start += 4) {
      const answers = await Promise.all(data.entities.slice(start, start + 4).map((entityId) =>
        api.get(`/v1/entities/${encodeURIComponent(entityId)}/neighborhood`, { depth: 1, limit: 1000, ...scopeParams({ kinds: true }) })));
      for (const { data: hood } of answers) {
        for (const node of hood.nodes) if (wanted.has(node.id)) nodes.set(node.id, { ...node, depth: null });
        edges.push(...hood.edges.filter((edge) => wanted.has(edge.source) && wanted.has(edge.target)));
      }
    }
    graph.merge([...nodes.values()], edges);
    for (const [entityId, position] of Object.entries(data.positions)) {
      if (graph.graph.hasNode(entityId)) graph.graph.mergeNodeAttributes(entityId, position);
    }
    applyViewFilter();
    applyMarks();
    graph.fit();
    writeHash();
    renderInvestigation();
    renderDetailsPlaceholder();
    showTab('investigations');
  });
}

async function exportInvestigation(format) {
  const base = (state.investigation?.name ?? 'atlas-graph').replace(/[^\w.-]+/g, '-').replace(/^-|-$/g, '') || 'atlas-graph';
  await act(async () => {
    if (format === 'png') download(`${base}.png`, await pngBlob(graph));
    else if (format === 'svg') download(`${base}.svg`, new Blob([svgText(graph)], { type: 'image/svg+xml' }));
    else if (format === 'json') {
      const { data } = await api.get(`/v1/investigations/${encodeURIComponent(state.investigation.id)}`);
      download(`${base}.json`, new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
    } else if (format === 'stix') {
      const { data } = await api.get(`/v1/investigations/${encodeURIComponent(state.investigation.id)}/stix`);
      download(`${base}.stix.json`, new Blob([JSON.stringify(data, null, 2)], { type: 'application/stix+json' }));
    }
  });
}

// ------------------------------------------------------------------------------------------ paths that avoid

function avoidInPaths(entity) {
  state.pathExclude.set(entity.id, entity.name);
  renderAvoided();
  showTab('paths');
  return findPaths();
}

function avoidCategoryInPaths(category) {
  state.pathExcludeCategories.add(category);
  renderAvoided();
  showTab('paths');
  return findPaths();
}

function renderAvoided() {
  const chips = [
    ...[...state.pathExclude].map(([id, name]) => button(`${name} ×`, () => { state.pathExclude.delete(id); renderAvoided(); findPaths(); }, { class: 'chip', dataset: { exclude: id } })),
    ...[...state.pathExcludeCategories].map((category) => button(`any ${SERVICE_KINDS_LABEL(category)} ×`, () => { state.pathExcludeCategories.delete(category); renderAvoided(); findPaths(); }, { class: 'chip', dataset: { excludeCategory: category } })),
  ];
  $('#paths-avoid').replaceChildren(...(chips.length ? [h('span', { class: 'muted' }, 'not through: '), ...chips] : []));
}

// ----------------------------------------------------------------------------------------------------- entity pages

/** A CSV cell: quoted, and text a spreadsheet would run as a formula made inert with a leading apostrophe. */
function csvCell(value) {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replaceAll('"', '""')}"`;
}

// `short` is the header on the page (the details panel is narrow); the CSV has every column under its full label.
const NEIGHBOUR_COLUMNS = [
  { key: 'name', label: 'neighbour', short: 'neighbour' },
  { key: 'kind', label: 'kind' },
  { key: 'category', label: 'category' },
  { key: 'types', label: 'relationships', short: 'relationships' },
  { key: 'count', label: 'count', short: 'n', numeric: true },
  { key: 'confidence', label: 'best confidence', short: 'conf.', numeric: true },
  { key: 'organizations', label: 'organizations', short: 'orgs', numeric: true },
];
const SHOWN_COLUMNS = NEIGHBOUR_COLUMNS.filter((column) => column.short);

/** One row per neighbour: the relationships between it and the entity, in either direction, within the filters. */
function neighbourRows(entityId, hood) {
  const rows = new Map();
  for (const node of hood.nodes) {
    if (node.id !== entityId) rows.set(node.id, { id: node.id, name: node.name, kind: node.kind, category: node.category ?? '', types: [], count: 0, confidence: 0, organizations: new Set() });
  }
  for (const edge of hood.edges) {
    const other = edge.source === entityId ? edge.target : edge.target === entityId ? edge.source : null;
    const row = other && rows.get(other);
    if (!row) continue;
    row.types.push(edge.source === entityId ? `${edge.type}→` : `←${edge.type}`);
    row.count += 1;
    row.confidence = Math.max(row.confidence, edge.confidence ?? 0);
    for (const assertion of edge.assertions ?? []) row.organizations.add(assertion.organization);
  }
  return [...rows.values()].filter((row) => row.count > 0).map((row) => ({ ...row, types: row.types.join(', '), organizations: row.organizations.size }));
}

async function showEntityPage(entity) {
  const [{ data: hood }, { data: history }, identity] = await act(() => Promise.all([
    api.get(`/v1/entities/${encodeURIComponent(entity.id)}/neighborhood`, { depth: 1, limit: 1000, ...scopeParams({ kinds: true }) }),
    api.get(`/v1/entities/${encodeURIComponent(entity.id)}/history`),
    identitySection(entity.id, { api, act, me: state.me, refresh: () => showEntityPage(entity) }),
  ])) ?? [{}, {}];
  if (!hood || !history) return;
  const rows = neighbourRows(entity.id, hood);
  const names = new Map(hood.nodes.map((node) => [node.id, node.name]));
  // "USES actor--… -> service_provider--…" as a person reads it: with the names of the entities drawn.
  const named = (text) => (text ?? '').replace(/[a-z_]+--[0-9a-f-]{36}/g, (id) => names.get(id) ?? id);
  const sort = { key: 'count', descending: true };
  const body = h('tbody');
  const renderRows = () => {
    const column = NEIGHBOUR_COLUMNS.find((item) => item.key === sort.key);
    rows.sort((a, b) => {
      const order = column.numeric ? a[sort.key] - b[sort.key] : String(a[sort.key]).localeCompare(String(b[sort.key]));
      return (sort.descending ? -order : order) || a.name.localeCompare(b.name);
    });
    body.replaceChildren(...rows.map((row) => h('tr', { dataset: { entityId: row.id } },
      h('td', {}, kindSwatch(row.kind), ' ', button(row.name, () => selectElement(row.id), { class: 'link' }),
        h('div', { class: 'muted' }, KINDS[row.kind]?.label ?? row.kind, row.category ? ` · ${SERVICE_KINDS_LABEL(row.category)}` : '')),
      h('td', {}, row.types), h('td', { class: 'num' }, String(row.count)), h('td', { class: 'num' }, String(row.confidence)),
      h('td', { class: 'num' }, String(row.organizations)))));
    for (const header of head.querySelectorAll('th')) {
      header.setAttribute('aria-sort', header.dataset.key === sort.key ? (sort.descending ? 'descending' : 'ascending') : 'none');
    }
  };
  const head = h('tr', {}, SHOWN_COLUMNS.map((column) => h('th', {
    dataset: { key: column.key }, class: 'sortable', title: `Sort by ${column.label}`,
    onclick: () => { sort.descending = sort.key === column.key ? !sort.descending : Boolean(column.numeric); sort.key = column.key; renderRows(); },
  }, column.short)));
  renderRows();
  const exportCsv = () => {
    const lines = [NEIGHBOUR_COLUMNS.map((column) => csvCell(column.label)).join(','), ...rows.map((row) => NEIGHBOUR_COLUMNS.map((column) => csvCell(row[column.key])).join(','))];
    download(`${entity.name.replace(/[^\w.-]+/g, '-')}-neighbours.csv`, new Blob([`${lines.join('\r\n')}\r\n`], { type: 'text/csv' }));
  };
  $('#details').replaceChildren(h('div', { id: 'entity-page', dataset: { entityId: entity.id } },
    h('h3', {}, kindSwatch(entity.kind), entity.name),
    h('div', { class: 'row small' }, button('← Details', () => showNodeDetails(entity.id)), button('Export CSV', exportCsv, { id: 'neighbours-csv' })),
    h('h4', {}, `${rows.length} neighbour${rows.length === 1 ? '' : 's'}${hood.truncated ? ' (cut at the limit)' : ''}`),
    h('div', { class: 'table-scroll' }, h('table', { class: 'metrics neighbours', id: 'neighbours' }, h('thead', {}, head), body)),
    identity,
    h('h4', {}, 'History'),
    history.events.length
      ? h('ol', { class: 'history small', id: 'entity-history' }, history.events.map((event) =>
          h('li', {}, h('span', { class: 'muted' }, event.at.slice(0, 16).replace('T', ' ')), ` ${event.organization} `, h('strong', {}, event.event), ' ',
            event.subject === 'relationship' ? named(event.relationship) : event.merged_id ? `(${event.merged_id})` : 'the entity')))
      : h('p', { class: 'muted small' }, 'Nothing you may see.'),
  ));
}

// ------------------------------------------------------------------------------------------------------------ layout

function setLayoutMode(mode) {
  $('#graph-layout-mode').value = mode;
}

/**
 * Runs a layout of the drawn graph. While ForceAtlas2 runs in its worker the page counts as busy (so that a test or a
 * person sees positions still moving), and the toolbar shows its progress and a Stop button.
 */
async function runLayout(mode, { root = null } = {}) {
  if (mode !== 'force') return graph.layout(mode, { root });
  setPending(1);
  try {
    return await graph.layout('force');
  } finally {
    setPending(-1);
  }
}

function renderLayoutProgress({ mode, progress, state: layoutState }) {
  document.body.dataset.layout = layoutState;
  const running = mode === 'force' && layoutState === 'running';
  $('#layout-status').hidden = mode !== 'force' || layoutState === 'idle';
  $('#layout-progress').value = progress;
  $('#layout-progress-text').textContent = running ? `layout ${Math.round(progress * 100)}%` : `layout ${layoutState}`;
  $('#layout-stop').disabled = !running;
}

// ------------------------------------------------------------------------------------------------------------ legend

function renderLegend() {
  $('#legend').replaceChildren(
    h('div', {}, Object.entries(KINDS).map(([kind, { label }]) => h('span', { class: 'legend-item' }, kindSwatch(kind), label))),
    h('div', {}, Object.entries(TYPES).map(([type, { color }]) =>
      h('span', { class: 'legend-item' }, h('span', { class: 'line', style: { borderTop: `3px solid ${color}` } }), type))),
    h('div', { class: 'muted' }, 'thicker, darker edge = higher confidence · pink ring = chokepoint · grey = taken down · orange ring = loses a capability · “+N” = entities tied to one hub alone, folded (click to unfold)'),
  );
}

// ------------------------------------------------------------------------------------------------------------- wire

function wire() {
  // The connection help names this service's own address: what a member pastes into OpenCTI or MISP.
  for (const origin of document.querySelectorAll('#connect .origin')) origin.textContent = window.location.origin;
  $('#signin-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = $('#api-key').value.trim();
    if (!key) return;
    await act(() => signIn(key));
    if (state.me) $('#api-key').value = '';
    if (state.me) await openFromHash();
  });
  $('#signout').addEventListener('click', () => signOut());
  $('#error-close').addEventListener('click', clearError);
  for (const tab of document.querySelectorAll('[role=tab]')) tab.addEventListener('click', () => showTab(tab.dataset.tab));

  $('#search-form').addEventListener('submit', (event) => { event.preventDefault(); search(); });
  $('#paths-form').addEventListener('submit', (event) => { event.preventDefault(); findPaths(); });
  $('#paths-swap').addEventListener('click', () => { [state.from, state.to] = [state.to, state.from]; renderEndpoints(); });
  $('#chokepoints-form').addEventListener('submit', (event) => { event.preventDefault(); rankChokepoints(); });
  $('#cp-draw').addEventListener('click', drawTopChokepoints);
  $('#takedown-add-selected').addEventListener('click', () =>
    addToTakedown(graph.selectedNodes()));
  $('#takedown-clear').addEventListener('click', () => { state.takedown.clear(); renderTakedown(); });
  $('#disruption-run').addEventListener('click', simulateDisruption);

  $('#graph-fit').addEventListener('click', () => graph.fit());
  $('#graph-layout-mode').replaceChildren(
    ...Object.entries(LAYOUTS).map(([mode, { label, title }]) => h('option', { value: mode, title }, label)),
  );
  $('#graph-layout').addEventListener('click', () => runLayout($('#graph-layout-mode').value, { root: state.layoutRoot }));
  $('#layout-stop').addEventListener('click', () => graph.stopLayout());
  $('#graph-collapse').addEventListener('click', () => {
    graph.collapseHubs(HUB_DEGREE);
    updateStats();
  });
  $('#graph-reset-marks').addEventListener('click', () => {
    state.chokepoints = null;
    state.disruption = null;
    state.highlightedPath = null;
    plans.unmark();
    graph.clearMarks();
    applyMarks();
  });
  $('#graph-clear').addEventListener('click', () => {
    graph.clear();
    state.expanded.clear();
    state.truncated = false;
    updateStats();
    renderDetailsPlaceholder();
  });

  $('#cy').addEventListener('mouseleave', hideTooltip);

  $('#f-types').append(...Object.keys(TYPES).map((type) => h('label', {}, h('input', { type: 'checkbox', name: 'f-type', value: type }), ` ${type}`)));
  $('#f-kinds').append(...Object.entries(KINDS).map(([kind, { label }]) => h('label', {}, h('input', { type: 'checkbox', name: 'f-kind', value: kind }), ` ${label}`)));
  $('#f-as-of-slider').addEventListener('input', (event) => {
    const days = Number(event.target.value);
    $('#f-as-of').value = days === 0 ? '' : new Date(Date.parse(today()) + days * DAY_MS).toISOString().slice(0, 10);
  });
  $('#filters-form').addEventListener('submit', (event) => { event.preventDefault(); setFilters(readFilterControls()); });
  $('#filters-clear').addEventListener('click', () => setFilters(emptyFilters()));
  $('#inv-form').addEventListener('submit', (event) => { event.preventDefault(); saveInvestigation(); });
  $('#inv-save-new').addEventListener('click', () => saveInvestigation({ asNew: true }));
  $('#inv-share-button').addEventListener('click', shareInvestigation);
  for (const format of ['png', 'svg', 'json', 'stix']) $(`#export-${format}`).addEventListener('click', () => exportInvestigation(format));
  $('#tab-button-investigations').addEventListener('click', () => act(listInvestigations));
  plans.wire();
  $('#tab-button-plans').addEventListener('click', () => act(() => plans.loadProfiles()));
  window.addEventListener('hashchange', () => openFromHash());
}

/** A deep link: `#investigation=<id>` opens it; filters in the URL are taken as they are; `view=plan` plans again. */
async function openFromHash() {
  const { investigation, filters, plan } = readHash(window.location.hash);
  if (investigation && investigation !== state.investigation?.id) await openInvestigation(investigation);
  else if (!investigation) await setFilters(filters, { rerun: false });
  if (plan && !investigation && state.lastView?.type !== 'plan') {
    showTab('plans');
    await plans.reopen(plan);
  }
}

async function start() {
  wire();
  renderLegend();
  renderEndpoints();
  renderTakedown();
  updateStats();
  setPending(0);
  renderInvestigation();
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (key) await act(() => signIn(key));
  else renderCaller();
  if (state.me) await openFromHash();
  document.body.dataset.ready = 'true';
}

start();

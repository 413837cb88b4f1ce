// The graph view: Sigma.js (WebGL) over a graphology graph, styled by entity kind and relationship type, edges
// weighted by confidence; layouts from layouts.js (ForceAtlas2 in a web worker, radial, hierarchical).
//
// What analyses mark on the graph (centre, expanded, chokepoint, takedown, removed, ...) is kept as a set of marks on
// each node and edge; the reducers turn marks into what WebGL draws, so that marking never re-lays anything out.

import {
  EdgeArrowProgram,
  Graph,
  Sigma,
  createNodeBorderProgram,
  createNodeCompoundProgram,
  createNodeImageProgram,
} from './vendor/graph-libs.js';
import { ForceLayout, hierarchicalLayout, radialLayout } from './layouts.js';
import { pictogram } from './pictograms.js';

/** Entity kinds: colour and pictogram, so that kinds differ without colour too. */
export const KINDS = {
  actor: { label: 'actor', plural: 'actors', color: '#d1495b', shape: 'circle' },
  service_provider: { label: 'service provider', plural: 'service providers', color: '#7b52c4', shape: 'square' },
  financier: { label: 'financier', plural: 'financiers', color: '#e09f00', shape: 'diamond' },
  infrastructure: { label: 'infrastructure', plural: 'infrastructure', color: '#2f7ed8', shape: 'hexagon' },
  victim: { label: 'victim', plural: 'victims', color: '#2a9d8f', shape: 'triangle' },
};

/** Relationship types: colour (WebGL draws every edge as a straight arrow, so colour alone tells types apart). */
export const TYPES = {
  USES: { color: '#5b6b7c' },
  OPERATES: { color: '#1f5fa8' },
  SUPPLIES: { color: '#7b52c4' },
  AFFILIATED_WITH: { color: '#d1495b' },
  LAUNDERS_FOR: { color: '#c98500' },
  PAYS: { color: '#2e8b57' },
  TARGETS: { color: '#8c1c13' },
};

/** Layouts: the name in the menu, and what each is for. */
export const LAYOUTS = {
  force: { label: 'force', title: 'ForceAtlas2, run in a web worker; grows the graph from where it is' },
  radial: { label: 'radial', title: 'rings by hops from the centre: a neighborhood' },
  hierarchical: { label: 'hierarchical', title: 'layers from left to right: paths, supply chains' },
};

const BACKGROUND = '#fbfcfd';
const HIGHLIGHT = '#0a66ff';
const CHOKEPOINT = '#ff006e';
const REMOVED = '#c3c7cc';
const GROUP = '#6c7a89';
/** A hub is a node with more relationships than this; only its leaves (entities tied to it alone) are collapsed. */
export const HUB_DEGREE = 40;
/** Fewer leaves of one category than this are left drawn: folding two into "+2" saves nothing. */
const MIN_GROUP = 3;
/** Fit never spreads a few nodes wider than this (graph units), so that three nodes do not fill the screen. */
const MIN_EXTENT = 360;
/** The mean length of an edge after ForceAtlas2, in graph units (those of the radial layout's rings: 90). */
const EDGE_LENGTH = 80;
/** Graphs of at most this many nodes have every node labelled. */
const ALL_LABELS_UP_TO = 60;
/** Relationship types are written on edges only when so few are drawn that the words stay readable. */
const EDGE_LABELS_UP_TO = 150;

const NodeProgram = createNodeCompoundProgram([
  createNodeBorderProgram({
    borders: [
      { size: { attribute: 'borderSize', defaultValue: 0.12 }, color: { attribute: 'borderColor' } },
      { size: { fill: true }, color: { attribute: 'color' } },
    ],
  }),
  createNodeImageProgram({
    drawingMode: 'color',
    colorAttribute: 'pictoColor',
    keepWithinCircle: true,
    padding: 0.36,
    size: { mode: 'force', value: 96 },
  }),
]);

/** A node's label right of it, with a halo of the background so that it stays legible over edges. */
function drawLabel(context, data, settings) {
  if (!data.label) return;
  const size = settings.labelSize;
  const x = data.x + data.size + 3;
  const y = data.y + size / 3;
  context.font = `${settings.labelWeight} ${size}px ${settings.labelFont}`;
  context.lineJoin = 'round';
  context.lineWidth = 3;
  context.strokeStyle = BACKGROUND;
  context.strokeText(data.label, x, y);
  context.fillStyle = data.labelColor ?? settings.labelColor.color;
  context.fillText(data.label, x, y);
}

/** "tool" -> "tools", "ransomware" and "bulletproof hosting" stay: English enough for category names. */
function pluralCategory(name) {
  if (/(s|ware|ing|ure)$/.test(name)) return name;
  return name.endsWith('y') && !/[aeiou]y$/.test(name) ? `${name.slice(0, -1)}ies` : `${name}s`;
}

/** The id of the one drawn edge per (type, source, target): the relationship as the model defines it. */
export function edgeId(type, source, target) {
  return `${type}|${source}|${target}`;
}

function mergeAssertions(known = [], incoming = []) {
  const byId = new Map(known.map((assertion) => [assertion.id, assertion]));
  for (const assertion of incoming) byId.set(assertion.id, assertion);
  return [...byId.values()].sort((a, b) => b.confidence - a.confidence);
}

/** `color` mixed with the background: `amount` 0 keeps it, 1 is the background. */
function fade(color, amount) {
  const parse = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const [a, b] = [parse(color), parse(BACKGROUND)];
  const mixed = a.map((value, i) => Math.round(value + (b[i] - value) * amount));
  return `#${mixed.map((value) => value.toString(16).padStart(2, '0')).join('')}`;
}

export class GraphView {
  /**
   * `container` receives the WebGL canvas; `workerUrl` is the layout worker's script; `on` holds the callbacks
   * nodeClick(id, {modifier}), edgeClick(id), hover(type, id, {x, y}), leave(), viewport(), layout(progress) and
   * groupsChanged() (a "+N" group was unfolded by a click).
   */
  constructor(container, { workerUrl, on = {} }) {
    this.container = container;
    this.on = on;
    this.graph = new Graph({ multi: true, type: 'directed', allowSelfLoops: true });
    this.force = new ForceLayout(workerUrl);
    this.layoutState = { mode: null, progress: 1, state: 'idle' };
    this.highlighting = false; // whether a path is emphasised, fading everything else
    this.viewFilter = { node: null, edge: null }; // filters the API does not take, applied to what is drawn
    this.sigma = new Sigma(this.graph, container, {
      allowInvalidContainer: true,
      renderEdgeLabels: true,
      enableEdgeEvents: true,
      defaultNodeType: 'entity',
      defaultEdgeType: 'arrow',
      nodeProgramClasses: { entity: NodeProgram },
      edgeProgramClasses: { arrow: EdgeArrowProgram },
      labelFont: 'system-ui, sans-serif',
      labelSize: 12,
      labelWeight: '500',
      labelColor: { attribute: 'labelColor', color: '#1d2733' },
      edgeLabelFont: 'system-ui, sans-serif',
      edgeLabelSize: 10,
      edgeLabelColor: { color: '#4a5663' },
      // Labels by zoom and importance: Sigma draws, in each cell of a grid, the labels of the largest nodes (sized
      // by degree) whose drawn size passes the threshold; zooming in enlarges nodes, so more labels appear.
      labelDensity: 0.35,
      labelGridCellSize: 160,
      defaultDrawNodeLabel: drawLabel,
      labelRenderedSizeThreshold: 7,
      // Zooming in spreads nodes apart faster than it enlarges them (Sigma's default, the square root, let thousands
      // of nodes swell into one another), yet enough for small nodes to pass the label threshold.
      zoomToSizeRatioFunction: (ratio) => ratio ** 0.25,
      stagePadding: 40,
      zIndex: true,
      minCameraRatio: 0.02,
      maxCameraRatio: 4,
      nodeReducer: (node, data) => this.nodeLook(node, data),
      edgeReducer: (edge, data) => this.edgeLook(edge, data),
    });
    this.sigma.on('clickNode', ({ node, event }) => {
      const original = event.original;
      const modifier = Boolean(original && (original.shiftKey || original.ctrlKey || original.metaKey));
      if (this.graph.getNodeAttribute(node, 'group')) {
        this.expandGroup(node);
        this.on.groupsChanged?.();
        return;
      }
      if (modifier) this.toggleSelected(node);
      else this.select(node);
      this.on.nodeClick?.(node, { modifier });
    });
    this.sigma.on('clickEdge', ({ edge }) => {
      this.select(edge);
      this.on.edgeClick?.(edge);
    });
    this.sigma.on('enterNode', ({ node, event }) => this.on.hover?.('node', node, event));
    this.sigma.on('enterEdge', ({ edge, event }) => this.on.hover?.('edge', edge, event));
    this.sigma.on('leaveNode', () => this.on.leave?.());
    this.sigma.on('leaveEdge', () => this.on.leave?.());
    this.sigma.getCamera().on('updated', () => this.on.viewport?.());
  }

  // ------------------------------------------------------------------------------------------------ what is drawn

  /** Entity ids drawn (collapsed ones included, the "+N" groups not). */
  entityIds() {
    return this.graph.filterNodes((node, attributes) => !attributes.group);
  }

  get empty() {
    return this.entityIds().length === 0;
  }

  get nodeCount() {
    return this.entityIds().length;
  }

  get edgeCount() {
    return this.graph.filterEdges((edge, attributes) => !attributes.group).length;
  }

  /** The entity's drawn data ({id, name, kind, category, depth}), or null when it is not drawn. */
  node(id) {
    if (!this.graph.hasNode(id) || this.graph.getNodeAttribute(id, 'group')) return null;
    return this.graph.getNodeAttributes(id);
  }

  /** The relationship's drawn data ({id, source, target, type, confidence, organizations, assertions}), or null. */
  edge(id) {
    return this.graph.hasEdge(id) ? this.graph.getEdgeAttributes(id) : null;
  }

  /** Ids of the entities, or of the relationships, that carry `mark`. */
  marked(mark, { edges = false } = {}) {
    const filter = (key, attributes) => !attributes.group && attributes.marks.has(mark);
    return edges ? this.graph.filterEdges(filter) : this.graph.filterNodes(filter);
  }

  /** What WebGL draws for a node or an edge: {color, size, label, hidden, x, y} and the node's pictogram. */
  look(id) {
    this.sigma.refresh(); // marks set in this task are drawn at the next frame; this reads them now
    if (this.graph.hasNode(id)) {
      const data = this.sigma.getNodeDisplayData(id);
      return { ...data, shape: KINDS[this.graph.getNodeAttribute(id, 'kind')]?.shape ?? null };
    }
    if (this.graph.hasEdge(id)) return { ...this.sigma.getEdgeDisplayData(id) };
    return null;
  }

  /** Where a node (its centre) or an edge (its midpoint) is on the page's viewport, or null when not drawn. */
  screenPoint(id) {
    const box = this.container.getBoundingClientRect();
    // Display data are in Sigma's framed (normalised) coordinates, not the graph's.
    const at = (node) => this.sigma.framedGraphToViewport(this.sigma.getNodeDisplayData(node));
    let point;
    if (this.graph.hasNode(id)) point = at(id);
    else if (this.graph.hasEdge(id)) {
      const [source, target] = [at(this.graph.source(id)), at(this.graph.target(id))];
      point = { x: (source.x + target.x) / 2, y: (source.y + target.y) / 2 };
    } else return null;
    return { x: box.left + point.x, y: box.top + point.y };
  }

  // ---------------------------------------------------------------------------------------------------- drawing

  clear() {
    this.force.stop();
    this.highlighting = false;
    this.graph.clear();
    this.sigma.setCustomBBox(null);
    this.setLayoutState({ mode: null, progress: 1, state: 'idle' });
  }

  resize() {
    this.sigma.resize();
    this.sigma.refresh();
  }

  /**
   * Adds entities and relationships (neighborhood nodes/edges, or path nodes/hops), merging with those drawn.
   * New nodes start next to `origin` so that a layout that keeps positions grows the graph from there.
   * Returns the ids of the nodes that were not drawn before.
   */
  merge(nodes, edges, { origin = null } = {}) {
    this.force.stop();
    const added = [];
    const centre = origin && this.graph.hasNode(origin) ? this.graph.getNodeAttributes(origin) : { x: 0, y: 0 };
    // New nodes start in a disc around the origin, wide enough for their number, for ForceAtlas2 to spread out.
    const spread = 20 + 12 * Math.sqrt(nodes.length);
    for (const node of nodes) {
      const data = { id: node.id, name: node.name, kind: node.kind, category: node.category ?? null };
      if (this.graph.hasNode(node.id)) {
        this.graph.mergeNodeAttributes(node.id, data);
        continue;
      }
      const angle = Math.random() * 2 * Math.PI;
      const radius = spread * Math.sqrt(Math.random());
      const x = centre.x + radius * Math.cos(angle);
      const y = centre.y + radius * Math.sin(angle);
      this.graph.addNode(node.id, { ...data, x, y, size: 5, marks: new Set(), depth: node.depth ?? null });
      added.push(node.id);
    }
    for (const edge of edges) {
      if (!this.graph.hasNode(edge.source) || !this.graph.hasNode(edge.target)) continue;
      const id = edgeId(edge.type, edge.source, edge.target);
      const known = this.graph.hasEdge(id) ? this.graph.getEdgeAttributes(id) : null;
      const assertions = mergeAssertions(known?.assertions ?? [], edge.assertions);
      const data = {
        id,
        source: edge.source,
        target: edge.target,
        type: edge.type,
        confidence: Math.max(edge.confidence ?? 0, known?.confidence ?? 0),
        organizations: new Set(assertions.map((assertion) => assertion.organization)).size,
        assertions,
      };
      if (known) this.graph.mergeEdgeAttributes(id, data);
      else this.graph.addDirectedEdgeWithKey(id, edge.source, edge.target, { ...data, marks: new Set() });
    }
    this.sizeByDegree();
    return added;
  }

  /** Node sizes by degree (importance): the size decides which labels show first and survive zooming out. */
  sizeByDegree() {
    // No `attributes` hint: with one, Sigma repaints in place, which fails for nodes it has not indexed yet.
    // A few nodes are drawn large enough for their pictograms and labels; thousands small enough to be told apart.
    const base = this.graph.order <= 60 ? 11 : this.graph.order <= 600 ? 7 : 4;
    this.graph.updateEachNodeAttributes((node, attributes) => {
      const degree = attributes.group ? attributes.members.length : this.graph.degree(node);
      attributes.size = Math.min(base + 12, base + 1.6 * Math.sqrt(degree));
      return attributes;
    });
  }

  setDepth(nodes) {
    for (const node of nodes) {
      if (node.depth !== undefined && this.graph.hasNode(node.id)) this.graph.setNodeAttribute(node.id, 'depth', node.depth);
    }
  }

  // -------------------------------------------------------------------------------------------------- layouts

  /**
   * Lays the graph out: 'radial' around `root` (a neighborhood), 'hierarchical' in layers from `root` or by
   * dependency (paths, supply chains), or 'force' (ForceAtlas2 in the worker, from the current positions).
   * Resolves when the layout is done: at once for radial and hierarchical, when ForceAtlas2 settles or is stopped.
   */
  async layout(mode, { root = null } = {}) {
    this.force.stop();
    if (this.graph.order === 0) return { settled: true };
    if (mode === 'radial' || mode === 'hierarchical') {
      const positions = mode === 'radial' ? radialLayout(this.graph, root) : hierarchicalLayout(this.graph, root);
      this.graph.updateEachNodeAttributes((node, attributes) => ({ ...attributes, ...positions[node] }), {
        attributes: ['x', 'y'],
      });
      this.setLayoutState({ mode, progress: 1, state: 'done' });
      this.fit();
      return { settled: true };
    }
    this.setLayoutState({ mode: 'force', progress: 0, state: 'running' });
    this.fit();
    let index = null;
    const outcome = await this.force.run(this.graph, {
      onPositions: (nodes, xy) => {
        index ??= new Map(nodes.map((node, i) => [node, i]));
        const scale = this.forceScale(index, xy);
        this.graph.updateEachNodeAttributes(
          (node, attributes) => {
            const i = index.get(node);
            if (i === undefined) return attributes;
            attributes.x = scale * xy[2 * i];
            attributes.y = scale * xy[2 * i + 1];
            return attributes;
          },
          { attributes: ['x', 'y'] },
        );
        this.fitBox();
      },
      onProgress: (progress, state) => this.setLayoutState({ mode: 'force', progress, state }),
    });
    if (outcome.stopped) this.setLayoutState({ mode: 'force', progress: this.layoutState.progress, state: 'stopped' });
    return outcome;
  }

  /**
   * The factor that brings ForceAtlas2's positions to a mean edge length of EDGE_LENGTH graph units: its own unit
   * shrinks as gravity pulls small graphs together, which Fit would otherwise show as a clump.
   */
  forceScale(index, xy) {
    let total = 0;
    let count = 0;
    this.graph.forEachEdge((edge, attributes, source, target) => {
      const [i, j] = [index.get(source), index.get(target)];
      if (i === undefined || j === undefined || i === j) return;
      total += Math.hypot(xy[2 * i] - xy[2 * j], xy[2 * i + 1] - xy[2 * j + 1]);
      count += 1;
    });
    return count && total > 0 ? EDGE_LENGTH / (total / count) : 1;
  }

  stopLayout() {
    this.force.stop();
  }

  setLayoutState(layoutState) {
    this.layoutState = layoutState;
    this.on.layout?.(layoutState);
  }

  /** The box of the visible nodes, widened to MIN_EXTENT, as the extent Sigma fits into the viewport. */
  fitBox() {
    let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
    this.graph.forEachNode((node, { x, y, hidden }) => {
      if (hidden) return;
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    });
    if (minX === Infinity) {
      this.sigma.setCustomBBox(null);
      return;
    }
    const widen = ([low, high]) => {
      const missing = Math.max(0, MIN_EXTENT - (high - low)) / 2;
      return [low - missing, high + missing];
    };
    const [left, right] = widen([minX, maxX]);
    // Labels are written to the right of their nodes: room for those of the rightmost nodes, a whole column's
    // worth when the layout puts nodes in columns (hierarchical), whose last column is all labels.
    const share = this.layoutState.mode === 'hierarchical' ? 0.3 : 0.08;
    const room = Math.max(share * (right - left), 0.25 * MIN_EXTENT);
    this.sigma.setCustomBBox({ x: [left, right + room], y: widen([minY, maxY]) });
  }

  /** Shows every visible node: the box of all of them fitted into the viewport, the camera reset. */
  fit() {
    this.fitBox();
    this.sigma.getCamera().setState({ x: 0.5, y: 0.5, ratio: 1, angle: 0 });
    this.sigma.refresh();
  }

  // -------------------------------------------------------------------------------------------- hubs and groups

  /**
   * Collapses, for every hub (more than `threshold` relationships), its leaves (entities tied to it alone) into
   * one "+N category" node per category or kind. Returns the number of groups made.
   */
  collapseHubs(threshold = HUB_DEGREE) {
    this.force.stop();
    let made = 0;
    const hubs = this.graph.filterNodes(
      (node, attributes) => !attributes.group && !attributes.hidden && this.graph.degree(node) > threshold,
    );
    for (const hub of hubs) {
      const leaves = new Map();
      this.graph.forEachNeighbor(hub, (neighbor, attributes) => {
        if (attributes.group || attributes.hidden || this.graph.neighbors(neighbor).length !== 1) return;
        const key = attributes.category ?? attributes.kind;
        if (!leaves.has(key)) leaves.set(key, []);
        leaves.get(key).push(neighbor);
      });
      for (const [key, members] of leaves) {
        if (members.length < MIN_GROUP) continue;
        const id = `group|${hub}|${key}`;
        const { x, y } = this.graph.getNodeAttributes(members[0]);
        const what = KINDS[key]?.plural ?? pluralCategory(key.replaceAll('_', ' '));
        this.graph.addNode(id, {
          id, group: true, hub, members, name: `+${members.length} ${what}`, kind: null, x, y, size: 9, marks: new Set(),
        });
        this.graph.addDirectedEdgeWithKey(`${id}|edge`, hub, id, { group: true, marks: new Set(), confidence: 50 });
        for (const member of members) this.graph.setNodeAttribute(member, 'hidden', true);
        made += 1;
      }
    }
    this.sizeByDegree();
    this.fit();
    return made;
  }

  /** The "+N" groups drawn: [{id, hub, label, members}]. */
  groups() {
    return this.graph
      .filterNodes((node, attributes) => attributes.group)
      .map((id) => {
        const { hub, name, members } = this.graph.getNodeAttributes(id);
        return { id, hub, label: name, members: [...members] };
      });
  }

  /** Shows a group's entities again, around where the group was. */
  expandGroup(id) {
    const { members, x, y } = this.graph.getNodeAttributes(id);
    members.forEach((member, i) => {
      const angle = (2 * Math.PI * i) / members.length;
      const radius = 14 + 2.5 * Math.sqrt(members.length);
      this.graph.mergeNodeAttributes(member, { hidden: false, x: x + radius * Math.cos(angle), y: y + radius * Math.sin(angle) });
    });
    this.graph.dropNode(id);
    this.fitBox();
  }

  expandAllGroups() {
    for (const group of this.groups()) this.expandGroup(group.id);
  }

  // ------------------------------------------------------------------------------------------------------ marks

  setMark(id, mark, on = true) {
    const element = this.graph.hasNode(id)
      ? this.graph.getNodeAttributes(id)
      : this.graph.hasEdge(id)
        ? this.graph.getEdgeAttributes(id)
        : null;
    if (!element) return;
    if (on) element.marks.add(mark);
    else element.marks.delete(mark);
    this.sigma.refresh({ schedule: true }); // many marks may change in one task: drawn once, at the next frame
  }

  /** Puts `mark` on exactly `ids` (nodes, and edges too when `edges`), removing it elsewhere. */
  markOnly(mark, ids, { edges = false } = {}) {
    const wanted = new Set(ids);
    this.graph.forEachNode((node, { marks }) => (wanted.has(node) ? marks.add(mark) : marks.delete(mark)));
    if (edges) this.graph.forEachEdge((edge, { marks }) => (wanted.has(edge) ? marks.add(mark) : marks.delete(mark)));
    this.sigma.refresh({ schedule: true }); // many marks may change in one task: drawn once, at the next frame
  }

  setCenter(id) {
    this.markOnly('center', [id]);
  }

  markExpanded(ids) {
    this.markOnly('expanded', [...ids]);
  }

  select(id) {
    this.markOnly('selected', [id], { edges: true });
  }

  toggleSelected(id) {
    if (!this.graph.hasNode(id)) return;
    this.setMark(id, 'selected', !this.graph.getNodeAttribute(id, 'marks').has('selected'));
  }

  /** The selected entities: [{id, name, kind}]. */
  selectedNodes() {
    return this.marked('selected').map((id) => {
      const { name, kind } = this.graph.getNodeAttributes(id);
      return { id, name, kind };
    });
  }

  /** Marks the ranked entities that are drawn, labelled with their rank; returns how many are drawn. */
  markChokepoints(chokepoints) {
    const best = Math.max(0, ...chokepoints.map((point) => point.score));
    this.graph.forEachNode((node, attributes) => {
      attributes.marks.delete('chokepoint');
      delete attributes.rank;
    });
    let drawn = 0;
    for (const point of chokepoints) {
      if (!this.graph.hasNode(point.id)) continue;
      const attributes = this.graph.getNodeAttributes(point.id);
      attributes.marks.add('chokepoint');
      attributes.rank = point.rank;
      attributes.cpStrength = best > 0 ? Math.max(0, point.score) / best : 1;
      drawn += 1;
    }
    this.sigma.refresh({ schedule: true }); // many marks may change in one task: drawn once, at the next frame
    return drawn;
  }

  /** Greys out taken-down entities and their relationships; rings the actors that lost a service. */
  markDisruption(removedIds, lostIds) {
    const removed = new Set(removedIds.filter((id) => this.graph.hasNode(id)));
    const removedEdges = [];
    for (const id of removed) this.graph.forEachEdge(id, (edge) => removedEdges.push(edge));
    this.markOnly('removed', [...removed, ...removedEdges], { edges: true });
    this.markOnly('lost-service', lostIds);
  }

  clearDisruption() {
    this.markOnly('removed', [], { edges: true });
    this.markOnly('lost-service', []);
  }

  markTakedown(ids) {
    this.markOnly('takedown', [...ids]);
  }

  /**
   * Rings a plan's targets that are drawn, each in the colour of the member who acts on it and labelled with its
   * name and that member; rings in orange the actors that lose a capability. Empty lists clear both.
   */
  markPlan(targets, losingIds = []) {
    this.graph.forEachNode((node, attributes) => {
      delete attributes.planColor;
      delete attributes.planLabel;
    });
    for (const { id, color, label } of targets) {
      if (this.graph.hasNode(id)) this.graph.mergeNodeAttributes(id, { planColor: color, planLabel: label });
    }
    this.markOnly('plan-target', targets.map((target) => target.id));
    this.markOnly('plan-loss', losingIds);
  }

  /** Emphasises one path (its nodes in order and its hops), fading the rest; null restores everything. */
  highlightPath(path) {
    const on = path
      ? [...path.nodes.map((node) => node.id), ...path.relationships.map((hop) => edgeId(hop.type, hop.source, hop.target))]
      : [];
    this.highlighting = on.length > 0;
    this.markOnly('path-highlight', on, { edges: true });
  }

  clearMarks() {
    this.highlightPath(null);
    this.markChokepoints([]);
    this.clearDisruption();
    this.markPlan([]);
  }

  // ----------------------------------------------------------------------------------------------------- looks

  nodeLook(node, data) {
    const marks = data.marks;
    const highlighting = this.anyPathHighlighted();
    const look = { x: data.x, y: data.y, size: data.size, hidden: Boolean(data.hidden) || this.filteredOut(data), label: data.name, zIndex: 1 };
    // A small graph shows every name, as a person reading it expects; the label grid thins out large ones.
    if (this.graph.order <= ALL_LABELS_UP_TO) look.forceLabel = true;
    if (data.group) {
      // Not forced: among hundreds of groups, the largest ones are labelled first, as for entities.
      return { ...look, color: GROUP, borderColor: '#ffffff', pictoColor: '#ffffff', image: pictogram('plus'), labelColor: '#3d4854' };
    }
    const kind = KINDS[data.kind] ?? { color: '#8a9096', shape: 'circle' };
    Object.assign(look, { color: kind.color, image: pictogram(kind.shape), pictoColor: '#ffffff', borderColor: '#ffffff', borderSize: 0.12 });
    if (marks.has('center')) Object.assign(look, { size: data.size * 1.5, forceLabel: true, zIndex: 3 });
    if (marks.has('expanded')) Object.assign(look, { borderColor: '#1d2733', borderSize: 0.18 });
    if (marks.has('takedown')) Object.assign(look, { borderColor: '#111111', borderSize: 0.25 });
    if (marks.has('lost-service') || marks.has('plan-loss')) Object.assign(look, { borderColor: '#f08c00', borderSize: 0.3 });
    if (marks.has('chokepoint')) {
      const strength = data.cpStrength ?? 1;
      Object.assign(look, {
        label: `#${data.rank} ${data.name}`,
        labelColor: CHOKEPOINT,
        borderColor: CHOKEPOINT,
        borderSize: 0.18 + 0.14 * strength,
        size: look.size * (1.1 + 0.3 * strength),
        forceLabel: true,
        zIndex: 4,
      });
    }
    if (marks.has('plan-target')) {
      Object.assign(look, {
        label: data.planLabel ?? data.name,
        labelColor: data.planColor,
        borderColor: data.planColor,
        borderSize: 0.4,
        size: look.size * 1.4,
        forceLabel: true,
        zIndex: 4,
      });
    }
    if (marks.has('removed')) {
      Object.assign(look, { color: REMOVED, borderColor: '#8a9096', labelColor: '#8a9096', pictoColor: '#f4f5f6' });
    }
    if (highlighting && !marks.has('path-highlight')) {
      Object.assign(look, { color: fade(look.color, 0.85), borderColor: fade(look.borderColor, 0.85), labelColor: '#b8c0c8', forceLabel: false, label: '' });
    }
    if (marks.has('path-highlight')) Object.assign(look, { borderColor: HIGHLIGHT, borderSize: 0.3, forceLabel: true, zIndex: 5 });
    if (marks.has('selected')) Object.assign(look, { highlighted: true, forceLabel: true, zIndex: 6 });
    return look;
  }

  edgeLook(edge, data) {
    const marks = data.marks;
    const source = this.graph.getNodeAttributes(this.graph.source(edge));
    const target = this.graph.getNodeAttributes(this.graph.target(edge));
    const confidence = Math.max(0, Math.min(100, data.confidence ?? 50)) / 100;
    // Thicker and darker when surer; faint at scale, where thousands of edges would otherwise hide the nodes.
    const scale = this.graph.size > 3000 ? 0.35 : this.graph.size > 400 ? 0.55 : 1;
    const look = {
      hidden: Boolean(source.hidden || target.hidden || this.filteredOut(source) || this.filteredOut(target))
        || Boolean(!data.group && this.viewFilter.edge && !this.viewFilter.edge(data)),
      size: scale * (0.6 + 4.4 * confidence),
      color: fade(data.group ? GROUP : (TYPES[data.type]?.color ?? '#5b6b7c'), 0.7 * (1 - confidence) + (scale < 1 ? 0.3 : 0)),
      label: !data.group && this.graph.size <= EDGE_LABELS_UP_TO ? data.type : '',
      zIndex: 0,
    };
    if (marks.has('removed')) Object.assign(look, { color: fade(REMOVED, 0.3), size: 1 });
    if (this.anyPathHighlighted()) {
      if (marks.has('path-highlight')) Object.assign(look, { color: HIGHLIGHT, size: Math.max(look.size, 3), zIndex: 2 });
      else Object.assign(look, { color: fade(look.color, 0.85), label: '' });
    }
    if (marks.has('selected')) Object.assign(look, { color: HIGHLIGHT, zIndex: 3 });
    return look;
  }

  anyPathHighlighted() {
    return this.highlighting;
  }

  /**
   * Hides the entities for which `node(data)` is false and the relationships for which `edge(data)` is false
   * (null: no filter); they stay in the graph, so that clearing the filter shows them again.
   */
  setViewFilter({ node = null, edge = null } = {}) {
    this.viewFilter = { node, edge };
    this.sigma.refresh();
  }

  filteredOut(data) {
    return Boolean(!data.group && this.viewFilter.node && !this.viewFilter.node(data));
  }
}

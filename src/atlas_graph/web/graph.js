// The graph view: Cytoscape.js, styled by entity kind and relationship type, edges weighted by confidence.

import cytoscape from './vendor/cytoscape.esm.min.js';

/** Entity kinds: colour and shape, so that kinds differ without colour too. */
export const KINDS = {
  actor: { label: 'actor', color: '#d1495b', shape: 'ellipse' },
  service_provider: { label: 'service provider', color: '#7b52c4', shape: 'round-rectangle' },
  financier: { label: 'financier', color: '#e09f00', shape: 'diamond' },
  infrastructure: { label: 'infrastructure', color: '#2f7ed8', shape: 'hexagon' },
  victim: { label: 'victim', color: '#2a9d8f', shape: 'round-triangle' },
};

/** Relationship types: colour, line style and arrow head. */
export const TYPES = {
  USES: { color: '#5b6b7c', line: 'solid', arrow: 'triangle' },
  OPERATES: { color: '#1f5fa8', line: 'solid', arrow: 'square' },
  SUPPLIES: { color: '#7b52c4', line: 'dashed', arrow: 'triangle' },
  AFFILIATED_WITH: { color: '#d1495b', line: 'dotted', arrow: 'circle' },
  LAUNDERS_FOR: { color: '#c98500', line: 'dashed', arrow: 'diamond' },
  PAYS: { color: '#2e8b57', line: 'dashed', arrow: 'triangle-tee' },
  TARGETS: { color: '#8c1c13', line: 'solid', arrow: 'tee' },
};

const HIGHLIGHT = '#0a66ff';
const CHOKEPOINT = '#ff006e';
const REMOVED = '#c3c7cc';
const MAX_FIT_ZOOM = 1.3;

const STYLE = [
  {
    selector: 'node',
    style: {
      label: 'data(label)',
      'font-size': 11,
      'font-family': 'system-ui, sans-serif',
      color: '#1d2733',
      'text-valign': 'bottom',
      'text-margin-y': 4,
      'text-wrap': 'ellipsis',
      'text-max-width': '120px',
      'text-outline-color': '#ffffff',
      'text-outline-width': 2,
      width: 30,
      height: 30,
      'border-width': 2,
      'border-color': '#ffffff',
    },
  },
  ...Object.entries(KINDS).map(([kind, { color, shape }]) => ({
    selector: `node[kind = "${kind}"]`,
    style: { 'background-color': color, shape },
  })),
  { selector: 'node.center', style: { width: 42, height: 42, 'font-weight': 'bold' } },
  { selector: 'node.expanded', style: { 'border-color': '#1d2733', 'border-width': 3 } },
  {
    selector: 'edge',
    style: {
      width: 'mapData(confidence, 0, 100, 1, 7)',
      opacity: 'mapData(confidence, 0, 100, 0.3, 1)',
      'curve-style': 'bezier',
      'arrow-scale': 0.75,
      label: 'data(type)',
      'font-size': 8,
      color: '#4a5663',
      'text-rotation': 'autorotate',
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.85,
      'text-background-padding': '1px',
    },
  },
  ...Object.entries(TYPES).map(([type, { color, line, arrow }]) => ({
    selector: `edge[type = "${type}"]`,
    style: { 'line-color': color, 'target-arrow-color': color, 'line-style': line, 'target-arrow-shape': arrow },
  })),
  {
    selector: 'node.chokepoint',
    style: {
      label: 'data(rankLabel)',
      'font-weight': 'bold',
      color: CHOKEPOINT,
      'border-color': CHOKEPOINT,
      // The higher the score (relative to the first), the heavier the ring.
      'border-width': 'mapData(cpStrength, 0, 1, 2, 5)',
      'underlay-color': CHOKEPOINT,
      'underlay-opacity': 'mapData(cpStrength, 0, 1, 0.08, 0.4)',
      'underlay-padding': 'mapData(cpStrength, 0, 1, 4, 14)',
      'underlay-shape': 'ellipse',
    },
  },
  { selector: 'node.takedown', style: { 'border-color': '#111111', 'border-width': 4, 'border-style': 'dashed' } },
  { selector: 'node.lost-service', style: { 'border-color': '#f08c00', 'border-width': 5, 'border-style': 'double' } },
  {
    selector: 'node.removed',
    style: {
      'background-color': REMOVED,
      'border-color': '#8a9096',
      'border-style': 'dashed',
      color: '#8a9096',
      opacity: 0.55,
      'underlay-opacity': 0,
    },
  },
  {
    selector: 'edge.removed',
    style: { 'line-color': REMOVED, 'target-arrow-color': REMOVED, 'line-style': 'dotted', opacity: 0.3, color: '#8a9096' },
  },
  { selector: '.faded', style: { opacity: 0.12 } },
  { selector: 'node.path-highlight', style: { 'border-color': HIGHLIGHT, 'border-width': 4, opacity: 1 } },
  {
    selector: 'edge.path-highlight',
    style: { 'line-color': HIGHLIGHT, 'target-arrow-color': HIGHLIGHT, opacity: 1, 'z-index': 10 },
  },
  { selector: ':selected', style: { 'overlay-color': HIGHLIGHT, 'overlay-opacity': 0.2, 'overlay-padding': 6 } },
];

/** The id of the one drawn edge per (type, source, target): the relationship as the model defines it. */
export function edgeId(type, source, target) {
  return `${type}|${source}|${target}`;
}

function mergeAssertions(known = [], incoming = []) {
  const byId = new Map(known.map((assertion) => [assertion.id, assertion]));
  for (const assertion of incoming) byId.set(assertion.id, assertion);
  return [...byId.values()].sort((a, b) => b.confidence - a.confidence);
}

export class GraphView {
  constructor(container) {
    this.cy = cytoscape({
      container,
      style: STYLE,
      elements: [],
      minZoom: 0.15,
      maxZoom: 3,
      boxSelectionEnabled: true,
      selectionType: 'single',
    });
  }

  get empty() {
    return this.cy.elements().length === 0;
  }

  clear() {
    this.cy.elements().remove();
  }

  /**
   * Adds entities and relationships (neighborhood nodes/edges, or path nodes/hops), merging with those drawn.
   * New nodes start next to `origin` so that a layout that keeps positions grows the graph from there.
   * Returns the ids of the nodes that were not drawn before.
   */
  merge(nodes, edges, { origin = null } = {}) {
    const added = [];
    const start = origin ? this.cy.getElementById(origin) : null;
    const centre = start && start.nonempty() ? start.position() : { x: 0, y: 0 };
    this.cy.batch(() => {
      for (const node of nodes) {
        const existing = this.cy.getElementById(node.id);
        const data = { id: node.id, name: node.name, label: node.name, kind: node.kind, category: node.category ?? null };
        if (existing.nonempty()) {
          existing.data({ ...data, rankLabel: existing.data('rankLabel') ?? node.name });
          continue;
        }
        const angle = Math.random() * 2 * Math.PI;
        this.cy.add({
          group: 'nodes',
          data: { ...data, rankLabel: node.name },
          position: { x: centre.x + 60 * Math.cos(angle), y: centre.y + 60 * Math.sin(angle) },
        });
        added.push(node.id);
      }
      for (const edge of edges) {
        if (this.cy.getElementById(edge.source).empty() || this.cy.getElementById(edge.target).empty()) continue;
        const id = edgeId(edge.type, edge.source, edge.target);
        const existing = this.cy.getElementById(id);
        const assertions = mergeAssertions(existing.nonempty() ? existing.data('assertions') : [], edge.assertions);
        const data = {
          id,
          source: edge.source,
          target: edge.target,
          type: edge.type,
          confidence: Math.max(edge.confidence ?? 0, existing.nonempty() ? existing.data('confidence') : 0),
          organizations: new Set(assertions.map((assertion) => assertion.organization)).size,
          assertions,
        };
        if (existing.nonempty()) existing.data(data);
        else this.cy.add({ group: 'edges', data });
      }
    });
    return added;
  }

  /** Lays the graph out: 'concentric' around a centre, 'paths' left to right from a source, or 'grow' (cose). */
  layout(mode, { root = null } = {}) {
    const nodes = this.cy.nodes();
    if (nodes.empty()) return;
    let options;
    if (mode === 'concentric') {
      const depthOf = (node) => (node.id() === root ? 0 : node.data('depth') ?? 1);
      options = {
        name: 'concentric',
        concentric: (node) => 10 - depthOf(node),
        levelWidth: () => 1,
        minNodeSpacing: 40,
        spacingFactor: 1.1,
      };
    } else if (mode === 'paths') {
      options = { name: 'breadthfirst', roots: root ? [root] : undefined, directed: false, spacingFactor: 1.15 };
    } else {
      options = {
        name: 'cose',
        randomize: false,
        nodeRepulsion: () => 9000,
        idealEdgeLength: () => 90,
        componentSpacing: 80,
        numIter: 1500,
      };
    }
    // A handful of nodes would otherwise be fitted at the largest zoom, with giant labels and arrows.
    const stop = () => {
      if (this.cy.zoom() > MAX_FIT_ZOOM) {
        this.cy.zoom(MAX_FIT_ZOOM);
        this.cy.center();
      }
    };
    this.cy.layout({ ...options, animate: false, fit: true, padding: 40, stop }).run();
  }

  fit() {
    this.cy.fit(undefined, 40);
    if (this.cy.zoom() > MAX_FIT_ZOOM) {
      this.cy.zoom(MAX_FIT_ZOOM);
      this.cy.center();
    }
  }

  setDepth(nodes) {
    for (const node of nodes) {
      if (node.depth !== undefined) this.cy.getElementById(node.id).data('depth', node.depth);
    }
  }

  /** Marks the ranked entities that are drawn, labelled with their rank; returns how many are drawn. */
  markChokepoints(chokepoints) {
    this.cy.nodes('.chokepoint').forEach((node) => {
      node.removeClass('chokepoint');
      node.data('rankLabel', node.data('name'));
    });
    let drawn = 0;
    const best = Math.max(0, ...chokepoints.map((point) => point.score));
    for (const point of chokepoints) {
      const node = this.cy.getElementById(point.id);
      if (node.empty()) continue;
      node.data('rankLabel', `#${point.rank} ${point.name}`);
      node.data('cpStrength', best > 0 ? Math.max(0, point.score) / best : 1);
      node.addClass('chokepoint');
      drawn += 1;
    }
    return drawn;
  }

  /** Greys out taken-down entities and their relationships; rings the actors that lost a service. */
  markDisruption(removedIds, lostIds) {
    this.clearDisruption();
    for (const id of removedIds) {
      const node = this.cy.getElementById(id);
      if (node.nonempty()) {
        node.addClass('removed');
        node.connectedEdges().addClass('removed');
      }
    }
    for (const id of lostIds) this.cy.getElementById(id).addClass('lost-service');
  }

  clearDisruption() {
    this.cy.elements().removeClass('removed lost-service');
  }

  markTakedown(ids) {
    this.cy.nodes().removeClass('takedown');
    for (const id of ids) this.cy.getElementById(id).addClass('takedown');
  }

  /** Emphasises one path (its nodes in order and its hops), fading the rest; null restores everything. */
  highlightPath(path) {
    this.cy.elements().removeClass('faded path-highlight');
    if (!path) return;
    let on = this.cy.collection();
    for (const node of path.nodes) on = on.union(this.cy.getElementById(node.id));
    for (const hop of path.relationships) on = on.union(this.cy.getElementById(edgeId(hop.type, hop.source, hop.target)));
    this.cy.elements().not(on).addClass('faded');
    on.addClass('path-highlight');
  }

  clearMarks() {
    this.highlightPath(null);
    this.markChokepoints([]);
    this.clearDisruption();
  }
}

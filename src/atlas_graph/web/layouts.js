// Layouts of the drawn graph: radial rings by hop distance, hierarchical layers by dependency direction (both
// computed here, in a few milliseconds even for thousands of nodes), and ForceAtlas2 run by a web worker.
//
// Each layout function takes a graphology graph and returns positions {id: {x, y}} without touching the graph.

import { DEFAULT_SETTINGS, inferSettings } from './vendor/forceatlas2.js';

const RING_GAP = 90; // between the rings of the radial layout, and the layers of the hierarchical one
const NODE_GAP = 26; // the least distance between two neighbours on a ring or in a layer

/** Hop distance from `root` over relationships in either direction; nodes out of its reach are left out. */
export function hopDistances(graph, root) {
  const distance = new Map([[root, 0]]);
  const parent = new Map();
  const queue = [root];
  for (let head = 0; head < queue.length; head += 1) {
    const node = queue[head];
    const next = distance.get(node) + 1;
    graph.forEachNeighbor(node, (neighbor) => {
      if (distance.has(neighbor)) return;
      distance.set(neighbor, next);
      parent.set(neighbor, node);
      queue.push(neighbor);
    });
  }
  return { distance, parent, order: queue };
}

/**
 * Rings by hop distance from `root`: each node sits in the wedge of the node it was reached from, wedges sized by
 * how many nodes hang below them, so that a branch stays together. Nodes out of reach go on a last ring.
 */
export function radialLayout(graph, root) {
  if (!graph.hasNode(root)) root = graph.nodes()[0];
  const positions = {};
  if (root === undefined) return positions;
  const { distance, parent, order } = hopDistances(graph, root);
  const children = new Map(order.map((node) => [node, []]));
  for (const node of order) if (parent.has(node)) children.get(parent.get(node)).push(node);
  const weight = new Map();
  for (let i = order.length - 1; i >= 0; i -= 1) {
    const node = order[i];
    weight.set(node, Math.max(1, children.get(node).reduce((sum, child) => sum + weight.get(child), 0)));
  }
  const rings = [];
  for (const node of order) (rings[distance.get(node)] ??= []).push(node);
  const unreached = graph.filterNodes((node) => !distance.has(node));
  if (unreached.length) rings.push(unreached);
  const radius = [0];
  for (let ring = 1; ring < rings.length; ring += 1) {
    radius[ring] = Math.max(radius[ring - 1] + RING_GAP, (rings[ring].length * NODE_GAP) / (2 * Math.PI));
  }
  const place = (node, from, to) => {
    const ring = distance.get(node);
    const angle = (from + to) / 2;
    positions[node] = { x: radius[ring] * Math.cos(angle), y: radius[ring] * Math.sin(angle) };
    const kids = children.get(node);
    const total = kids.reduce((sum, child) => sum + weight.get(child), 0);
    let start = from;
    for (const child of kids) {
      const span = ((to - from) * weight.get(child)) / total;
      place(child, start, start + span);
      start += span;
    }
  };
  place(root, 0, 2 * Math.PI);
  if (unreached.length) {
    const last = radius[rings.length - 1];
    unreached.forEach((node, i) => {
      const angle = (2 * Math.PI * i) / unreached.length;
      positions[node] = { x: last * Math.cos(angle), y: last * Math.sin(angle) };
    });
  }
  return positions;
}

/** Longest-path layers along relationship direction (source before target), ignoring the edges that close a cycle. */
function dependencyLayers(graph) {
  const state = new Map(); // 1: on the depth-first stack, 2: done
  const back = new Set();
  for (const start of graph.nodes()) {
    if (state.has(start)) continue;
    const stack = [[start, graph.outEdges(start), 0]];
    state.set(start, 1);
    while (stack.length) {
      const frame = stack[stack.length - 1];
      const [node, edges] = frame;
      if (frame[2] >= edges.length) {
        state.set(node, 2);
        stack.pop();
        continue;
      }
      const edge = edges[frame[2]++];
      const next = graph.target(edge);
      if (state.get(next) === 1) back.add(edge);
      else if (!state.has(next)) {
        state.set(next, 1);
        stack.push([next, graph.outEdges(next), 0]);
      }
    }
  }
  // Kahn's order over the edges that remain, each node one layer past its deepest predecessor.
  const layer = new Map();
  const waiting = new Map(graph.nodes().map((node) => [node, 0]));
  graph.forEachEdge((edge, _, source, target) => {
    if (!back.has(edge) && source !== target) waiting.set(target, waiting.get(target) + 1);
  });
  const ready = graph.filterNodes((node) => waiting.get(node) === 0);
  for (const node of ready) layer.set(node, 0);
  for (let head = 0; head < ready.length; head += 1) {
    const node = ready[head];
    for (const edge of graph.outEdges(node)) {
      const next = graph.target(edge);
      if (back.has(edge) || next === node) continue;
      layer.set(next, Math.max(layer.get(next) ?? 0, layer.get(node) + 1));
      waiting.set(next, waiting.get(next) - 1);
      if (waiting.get(next) === 0) ready.push(next);
    }
  }
  return layer;
}

/**
 * Layers from left to right: by hop distance from `root` when one is given (a path search: its source on the left),
 * else by dependency direction (who supplies whom, who pays whom). Within a layer, nodes are ordered by the mean
 * position of their neighbours in the layers beside it (a few barycenter sweeps), which uncrosses most edges.
 */
export function hierarchicalLayout(graph, root = null) {
  const positions = {};
  if (graph.order === 0) return positions;
  let layerOf;
  if (root && graph.hasNode(root)) {
    const { distance } = hopDistances(graph, root);
    const deepest = Math.max(...distance.values());
    layerOf = new Map(graph.nodes().map((node) => [node, distance.get(node) ?? deepest + 1]));
  } else {
    layerOf = dependencyLayers(graph);
  }
  const layers = [];
  for (const node of graph.nodes()) (layers[layerOf.get(node)] ??= []).push(node);
  const filled = layers.filter(Boolean);
  const rank = new Map();
  const renumber = (nodes) => nodes.forEach((node, i) => rank.set(node, i / Math.max(1, nodes.length - 1)));
  filled.forEach(renumber);
  const meanRank = (node, side) => {
    let sum = 0;
    let count = 0;
    graph.forEachNeighbor(node, (neighbor) => {
      if (layerOf.get(neighbor) !== layerOf.get(node) + side) return;
      sum += rank.get(neighbor);
      count += 1;
    });
    return count ? sum / count : rank.get(node);
  };
  for (let sweep = 0; sweep < 4; sweep += 1) {
    const side = sweep % 2 === 0 ? -1 : 1;
    const sequence = side === -1 ? filled : [...filled].reverse();
    for (const nodes of sequence) {
      const keys = new Map(nodes.map((node) => [node, meanRank(node, side)]));
      nodes.sort((a, b) => keys.get(a) - keys.get(b));
      renumber(nodes);
    }
  }
  const tallest = Math.max(...filled.map((nodes) => nodes.length));
  // Wide enough apart that the layers read as columns even when one of them is tall.
  const gap = Math.max(RING_GAP * 2, (tallest * NODE_GAP) / 6);
  filled.forEach((nodes, column) => {
    nodes.forEach((node, i) => {
      positions[node] = { x: column * gap, y: (i - (nodes.length - 1) / 2) * NODE_GAP * 1.4 };
    });
  });
  return positions;
}

/**
 * ForceAtlas2 in a web worker. `run(graph)` starts from the graph's current positions, calls `onPositions` with new
 * ones as they come (a Float32Array of x, y in `graph.nodes()` order) and `onProgress(fraction, state)`; it resolves
 * when the layout settled, spent its budget, or was stopped.
 */
export class ForceLayout {
  constructor(workerUrl) {
    this.workerUrl = workerUrl;
    this.worker = null;
    this.runId = 0;
    this.finish = null;
  }

  get running() {
    return this.finish !== null;
  }

  run(graph, { onPositions, onProgress }) {
    this.stop();
    if (!this.worker) this.worker = new Worker(this.workerUrl, { type: 'module' });
    const nodes = graph.nodes();
    const index = new Map(nodes.map((node, i) => [node, i]));
    const nodeMatrix = new Float32Array(nodes.length * 10);
    nodes.forEach((node, i) => {
      const attributes = graph.getNodeAttributes(node);
      nodeMatrix.set([attributes.x, attributes.y, 0, 0, 0, 0, 1, 1, attributes.size ?? 1, 0], i * 10);
    });
    const edgeMatrix = new Float32Array(graph.size * 3);
    let j = 0;
    graph.forEachEdge((edge, attributes, source, target) => {
      const s = index.get(source) * 10;
      const t = index.get(target) * 10;
      nodeMatrix[s + 6] += 1; // mass: 1 + degree, as graphology's own helper sets it
      nodeMatrix[t + 6] += 1;
      edgeMatrix.set([s, t, 1], j);
      j += 3;
    });
    // iterate() reads every setting: the defaults (edge weight influence, ...) are not filled in for it.
    const settings = { ...DEFAULT_SETTINGS, ...inferSettings(nodes.length), barnesHutOptimize: nodes.length > 400 };
    // Iterations are cheap for small graphs and dear for large ones; either way the budget stays within seconds.
    const maxIterations = Math.round(Math.min(1500, Math.max(300, 600000 / Math.max(1, nodes.length + graph.size))));
    const id = ++this.runId;
    return new Promise((resolve) => {
      this.finish = (outcome) => {
        this.finish = null;
        this.worker.onmessage = null;
        resolve(outcome);
      };
      this.worker.onmessage = ({ data }) => {
        if (data.run !== id) return;
        onPositions(nodes, data.positions);
        onProgress(data.progress, data.done ? (data.settled ? 'settled' : 'budget spent') : 'running');
        if (data.done) this.finish({ settled: data.settled, iterations: data.iterations, stopped: false });
      };
      this.worker.postMessage({ type: 'start', id, nodes: nodeMatrix, edges: edgeMatrix, settings, maxIterations }, [
        nodeMatrix.buffer,
        edgeMatrix.buffer,
      ]);
    });
  }

  stop() {
    if (!this.finish) return;
    this.worker.postMessage({ type: 'stop' });
    this.finish({ settled: false, stopped: true });
  }
}

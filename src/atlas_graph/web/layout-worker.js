// ForceAtlas2 off the main thread: iterates on the node and edge matrices it is given, posts positions and progress
// every few hundred milliseconds, and says when the layout has settled (nodes barely move) or its budget is spent.

import { iterate } from './vendor/forceatlas2.js';

const PPN = 10; // values per node in graphology-layout-forceatlas2's node matrix: x, y, dx, dy, ..., size, fixed
const REPORT_EVERY_MS = 120;
// The layout has settled when, over this many iterations in a row, nodes moved on average less than
// SETTLED_MOVE of the layout's width: beyond that point more iterations no longer change what a person sees.
const SETTLED_ITERATIONS = 15;
const SETTLED_MOVE = 0.0008;

let run = 0; // the run under way: a new 'start' or a 'stop' abandons the one before

function spread(nodes) {
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < nodes.length; i += PPN) {
    minX = Math.min(minX, nodes[i]);
    maxX = Math.max(maxX, nodes[i]);
    minY = Math.min(minY, nodes[i + 1]);
    maxY = Math.max(maxY, nodes[i + 1]);
  }
  return Math.max(maxX - minX, maxY - minY, 1e-9);
}

function positions(nodes) {
  const xy = new Float32Array((nodes.length / PPN) * 2);
  for (let i = 0, j = 0; i < nodes.length; i += PPN, j += 2) {
    xy[j] = nodes[i];
    xy[j + 1] = nodes[i + 1];
  }
  return xy;
}

function start({ id, nodes, edges, settings, maxIterations }) {
  run = id;
  const count = nodes.length / PPN;
  const previous = new Float32Array(count * 2);
  let iterations = 0;
  let calm = 0;

  const step = () => {
    if (id !== run) return;
    const until = performance.now() + REPORT_EVERY_MS;
    let settled = false;
    while (performance.now() < until && iterations < maxIterations && !settled) {
      for (let i = 0, j = 0; i < nodes.length; i += PPN, j += 2) {
        previous[j] = nodes[i];
        previous[j + 1] = nodes[i + 1];
      }
      iterate(settings, nodes, edges);
      iterations += 1;
      let moved = 0;
      for (let i = 0, j = 0; i < nodes.length; i += PPN, j += 2) {
        moved += Math.hypot(nodes[i] - previous[j], nodes[i + 1] - previous[j + 1]);
      }
      calm = moved / Math.max(count, 1) / spread(nodes) < SETTLED_MOVE ? calm + 1 : 0;
      settled = calm >= SETTLED_ITERATIONS;
    }
    const done = settled || iterations >= maxIterations;
    const xy = positions(nodes);
    self.postMessage(
      { run: id, positions: xy, iterations, progress: done ? 1 : iterations / maxIterations, done, settled },
      [xy.buffer],
    );
    if (!done) setTimeout(step, 0); // lets a 'stop' or a new 'start' in between batches
  };
  step();
}

self.onmessage = ({ data }) => {
  if (data.type === 'start') start(data);
  else if (data.type === 'stop') run = 0;
};

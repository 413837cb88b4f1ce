// Shapes drawn inside the nodes, one per entity kind, so that kinds differ without colour too. They are drawn once
// on a canvas and handed to the WebGL renderer as PNG data URLs (the page's policy allows data: images).

const SIZE = 96;

/** Paths in a [-1, 1] square, filled white inside the node's coloured disc. */
const SHAPES = {
  circle: (c) => c.arc(0, 0, 0.42, 0, 2 * Math.PI), // a dot: a full white disc would read as a hollow ring
  square: (c) => c.roundRect(-0.72, -0.72, 1.44, 1.44, 0.2),
  diamond: (c) => polygon(c, [[0, -0.95], [0.95, 0], [0, 0.95], [-0.95, 0]]),
  hexagon: (c) => polygon(c, [0, 1, 2, 3, 4, 5].map((i) => [0.9 * Math.cos((Math.PI / 3) * i), 0.9 * Math.sin((Math.PI / 3) * i)])),
  triangle: (c) => polygon(c, [[0, -0.9], [0.95, 0.75], [-0.95, 0.75]]),
  plus: (c) => {
    c.rect(-0.22, -0.85, 0.44, 1.7);
    c.rect(-0.85, -0.22, 1.7, 0.44);
  },
};

function polygon(c, points) {
  c.moveTo(...points[0]);
  for (const point of points.slice(1)) c.lineTo(...point);
  c.closePath();
}

const cache = new Map();

/** The data URL of a white shape on a transparent square. */
export function pictogram(shape) {
  if (!cache.has(shape)) {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = SIZE;
    const context = canvas.getContext('2d');
    context.translate(SIZE / 2, SIZE / 2);
    context.scale(SIZE / 2, SIZE / 2);
    context.beginPath();
    SHAPES[shape](context);
    context.fillStyle = '#ffffff';
    context.fill();
    cache.set(shape, canvas.toDataURL('image/png'));
  }
  return cache.get(shape);
}

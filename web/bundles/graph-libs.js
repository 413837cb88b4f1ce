// What the explorer's main thread takes from npm, bundled by `npm run build` into src/atlas_graph/web/vendor/.
export { default as Graph } from 'graphology';
export { default as Sigma } from 'sigma';
export { EdgeArrowProgram, EdgeRectangleProgram, createNodeCompoundProgram } from 'sigma/rendering';
export { createNodeBorderProgram } from '@sigma/node-border';
export { createNodeImageProgram } from '@sigma/node-image';

// What the layout worker takes from npm: one ForceAtlas2 iteration over flat matrices, and its settings.
import forceAtlas2 from 'graphology-layout-forceatlas2';
import iterate from 'graphology-layout-forceatlas2/iterate.js';
import DEFAULT_SETTINGS from 'graphology-layout-forceatlas2/defaults.js';

export const { inferSettings } = forceAtlas2;
export { iterate, DEFAULT_SETTINGS };

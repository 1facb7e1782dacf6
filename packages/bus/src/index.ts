export * from './bus.js';
export * from './history.js';
export * from './streams.js';
export * from './subjects.js';

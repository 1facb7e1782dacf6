export * from './bus.js';
export * from './streams.js';
export * from './subjects.js';

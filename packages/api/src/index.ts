export * from './conditions.js';
export * from './events.js';
export * from './generated/index.js';
export * from './groups.js';
export * from './history.js';

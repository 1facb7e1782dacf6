export * from './conditions.js';
export * from './events.js';
export * from './groups.js';

export * from './conditions.js';
export * from './groups.js';

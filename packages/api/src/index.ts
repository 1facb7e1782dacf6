export * from './groups.js';

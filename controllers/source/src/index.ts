export * from './artifact/index.js';
export * from './git/index.js';

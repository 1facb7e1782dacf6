export * from './artifact/index.js';
export * from './artifact-server.js';
export * from './config.js';
export * from './controller.js';
export * from './git/index.js';
export * from './reconciler.js';

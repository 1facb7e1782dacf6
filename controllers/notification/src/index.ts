export * from './config.js';
export * from './controller.js';
export * from './dispatcher.js';
export * from './matching.js';
export * from './objects.js';
export * from './receiver-server.js';

export * from './env.js';
export * from './git.js';
export * from './kube.js';
export * from './moor.js';
export * from './processes.js';
export * from './wait.js';
export * from './webhook-server.js';

// @moor/runtime: the shared controller runtime. One module per concern; see each for the why.
export * from './backoff.js';
export * from './cache.js';
export * from './clock.js';
export * from './conditions.js';
export * from './errors.js';
export * from './event-recorder.js';
export * from './http.js';
export * from './jitter.js';
export * from './kube.js';
export * from './kube-listwatch.js';
export * from './leader-election.js';
export * from './logger.js';
export * from './metrics.js';
export * from './redact.js';
export * from './workqueue.js';

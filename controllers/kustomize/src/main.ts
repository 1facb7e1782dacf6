#!/usr/bin/env node
// The kustomize controller process.
import { ConfigError, parseConfig } from './config.js';
import { startKustomizeController } from './controller.js';

try {
  await startKustomizeController(parseConfig(process.argv.slice(2)));
} catch (err) {
  const message =
    err instanceof ConfigError
      ? `kustomize-controller: ${err.message}`
      : `kustomize-controller: ${(err as Error).stack}`;
  process.stderr.write(`${message}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
}

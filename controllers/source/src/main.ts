#!/usr/bin/env node
// The source controller process.
import { ConfigError, parseConfig } from './config.js';
import { startSourceController } from './controller.js';

try {
  await startSourceController(parseConfig(process.argv.slice(2)));
} catch (err) {
  const message =
    err instanceof ConfigError
      ? `source-controller: ${err.message}`
      : `source-controller: ${(err as Error).stack}`;
  process.stderr.write(`${message}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
}

#!/usr/bin/env node
// The notification controller process.
import { ConfigError, parseConfig } from './config.js';
import { startNotificationController } from './controller.js';

try {
  await startNotificationController(parseConfig(process.argv.slice(2)));
} catch (err) {
  const message =
    err instanceof ConfigError
      ? `notification-controller: ${err.message}`
      : `notification-controller: ${(err as Error).stack}`;
  process.stderr.write(`${message}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
}

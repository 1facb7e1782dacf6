// NATS is an accelerator, not a dependency: a controller starts without it and keeps trying
// in the background; events, announcements and history wait (or fall back) until it connects.
import { readFile } from 'node:fs/promises';
import { Bus } from '@moor/bus';
import type { Logger } from 'pino';
import { errorMessage } from './errors.js';

export interface BackgroundBus {
  /** The bus once connected. */
  current(): Bus | undefined;
  /** Runs `fn` when the bus connects (at once if it already has). */
  onConnected(fn: (bus: Bus) => void): void;
  close(): Promise<void>;
}

export interface BackgroundBusOptions {
  url?: string;
  /** Path of a NATS .creds file, read at each connection attempt (so a rotated file is picked up). */
  credsFile?: string;
  name: string;
  log: Logger;
  retryMs?: number;
}

export function connectBusInBackground(opts: BackgroundBusOptions): BackgroundBus {
  let bus: Bus | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const waiting: Array<(bus: Bus) => void> = [];
  const attempt = async (): Promise<void> => {
    if (!opts.url || closed) return;
    try {
      const credentials = opts.credsFile ? await readFile(opts.credsFile, 'utf8') : undefined;
      const connected = await Bus.connect({
        servers: opts.url,
        name: opts.name,
        ...(credentials ? { credentials } : {}),
      });
      if (closed) {
        await connected.close();
        return;
      }
      bus = connected;
      opts.log.info({ nats: opts.url }, 'connected to NATS');
      for (const fn of waiting.splice(0)) fn(connected);
    } catch (err) {
      opts.log.warn(
        { err: errorMessage(err) },
        `NATS unreachable; retrying in ${(opts.retryMs ?? 5000) / 1000}s`,
      );
      timer = setTimeout(() => void attempt(), opts.retryMs ?? 5000);
    }
  };
  void attempt();
  return {
    current: () => bus,
    onConnected: (fn) => {
      if (bus) fn(bus);
      else waiting.push(fn);
    },
    close: async () => {
      closed = true;
      clearTimeout(timer);
      await bus?.close();
    },
  };
}

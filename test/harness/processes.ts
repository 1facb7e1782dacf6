// Short-lived server processes that a test owns (for example its own nats-server, so that
// restarting it does not disturb the shared sandbox).
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { childEnv } from './env.js';
import { waitFor } from './wait.js';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

export class OwnedProcess {
  private child: ChildProcess | undefined;
  private output = '';

  constructor(
    readonly command: string,
    readonly args: string[],
  ) {}

  start(): void {
    this.output = '';
    const child = spawn(this.command, this.args, { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => {
      this.output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.output += d.toString();
    });
    this.child = child;
  }

  get log(): string {
    return this.output;
  }

  /** SIGTERM, and resolves once the process has exited. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }
}

/** Resolves when GET url answers 2xx. */
export async function waitForHttp(url: string, description: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    async () => {
      const res = await fetch(url);
      return res.ok;
    },
    { description, timeoutMs, intervalMs: 50 },
  );
}

// A local HTTP endpoint standing in for Slack's incoming-webhook API (or any webhook): it
// records every request and answers what the test scripted — Slack's own "ok", a 500, a 429
// with Retry-After, or a dropped connection (a provider that is down).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll } from 'vitest';

export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as received. */
  body: string;
}

export type ScriptedAnswer = { status: number; body?: string; headers?: Record<string, string> } | 'drop';

export class WebhookServer {
  readonly requests: RecordedRequest[] = [];
  /** Every connection attempt, including dropped ones. */
  attempts = 0;
  private readonly script: ScriptedAnswer[] = [];
  private fallback: ScriptedAnswer = { status: 200, body: 'ok' };
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  private constructor() {
    this.server = createServer((req, res) => {
      this.attempts++;
      const answer = this.script.shift() ?? this.fallback;
      if (answer === 'drop') {
        req.socket.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (answer.status < 300) {
          this.requests.push({
            at: Date.now(),
            method: req.method ?? '',
            path: req.url ?? '',
            headers: req.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        }
        res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
        res.end(answer.body ?? '');
      });
    });
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  /** Starts on a free port; stopped after the test file. */
  static async start(): Promise<WebhookServer> {
    const w = new WebhookServer();
    await new Promise<void>((r) => w.server.listen(0, '127.0.0.1', () => r()));
    afterAll(() => w.close());
    return w;
  }

  get url(): string {
    const a = this.server.address();
    return `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  }

  /** The next answers, in order; after them, the fallback. */
  answer(...answers: ScriptedAnswer[]): this {
    this.script.push(...answers);
    return this;
  }

  /** What to answer once the script is used up (default 200 "ok"). */
  otherwise(answer: ScriptedAnswer): this {
    this.fallback = answer;
    return this;
  }

  /** Requests whose body contains `text`. */
  matching(text: string): RecordedRequest[] {
    return this.requests.filter((r) => r.body.includes(text));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

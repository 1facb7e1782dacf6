// Serves stored artifacts over HTTP: GET/HEAD /<kind>/<namespace>/<name>/<file>.tar.gz with the
// digest in headers (X-Moor-Digest: sha256:<hex>, and RFC 3230 Digest) so a consumer can verify
// what it downloaded, and an ETag so an unchanged artifact is not downloaded twice.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { resolveUnder } from './artifact/index.js';

export class ArtifactServer {
  private server: Server | undefined;
  /** path → digest, filled when artifacts are written and on first request after a restart. */
  private readonly digests = new Map<string, { digest: string; mtimeMs: number; size: number }>();

  constructor(
    private readonly root: string,
    private readonly address: { host: string; port: number },
    private readonly log: Logger,
  ) {}

  /** The digest is known when the artifact is written: remember it so serving costs no hashing. */
  remember(relPath: string, digest: string, mtimeMs: number, size: number): void {
    this.digests.set(relPath, { digest, mtimeMs, size });
  }

  get port(): number {
    const addr = this.server?.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.log.error({ err: (err as Error).message, path: req.url }, 'serving an artifact failed');
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.address.port, this.address.host, () => resolve());
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async digestOf(rel: string, file: string, mtimeMs: number, size: number): Promise<string> {
    const known = this.digests.get(rel);
    if (known && known.mtimeMs === mtimeMs && known.size === size) return known.digest;
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    const digest = `sha256:${hash.digest('hex')}`;
    this.digests.set(rel, { digest, mtimeMs, size });
    return digest;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://artifacts').pathname).replace(/^\/+/, '');
    let file: string;
    try {
      file = resolveUnder(this.root, rel);
    } catch {
      res.writeHead(400).end('bad path\n');
      return;
    }
    const info = await stat(file).catch(() => undefined);
    if (!rel.endsWith('.tar.gz') || !info?.isFile()) {
      res.writeHead(404).end('no such artifact\n');
      return;
    }
    const digest = await this.digestOf(rel, file, info.mtimeMs, info.size);
    const hex = digest.slice('sha256:'.length);
    const etag = `"${digest}"`;
    const headers = {
      'content-type': 'application/gzip',
      'content-length': String(info.size),
      etag,
      'x-moor-digest': digest,
      digest: `sha-256=${Buffer.from(hex, 'hex').toString('base64')}`,
      'cache-control': 'no-cache',
    };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file).pipe(res);
  }
}

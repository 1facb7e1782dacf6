// A Git smart-HTTP server: every request is handed to `git http-backend` (CGI), which serves
// the bare repositories under ROOT and accepts pushes. A repository is served at
// /<name>.git for ROOT/<name>.git. Optional auth per repository: a file moor-auth.json in the
// bare repository, {"basic":{"username":"u","password":"p"}} or {"bearer":"token"}.
import { spawn } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join, normalize } from 'node:path';

const port = Number(process.argv[2]);
const root = process.argv[3];
if (!port || !root) {
  console.error('usage: git-server.ts PORT ROOT');
  process.exit(2);
}

interface RepoAuth {
  basic?: { username: string; password: string };
  bearer?: string;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function authorized(repoDir: string, header: string | undefined): { ok: boolean; user?: string } {
  const file = join(repoDir, 'moor-auth.json');
  if (!existsSync(file)) return { ok: true };
  const auth = JSON.parse(readFileSync(file, 'utf8')) as RepoAuth;
  if (!header) return { ok: false };
  const [scheme, value = ''] = header.split(' ', 2);
  if (auth.basic && scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const sep = decoded.indexOf(':');
    const user = decoded.slice(0, sep);
    if (sep > 0 && same(user, auth.basic.username) && same(decoded.slice(sep + 1), auth.basic.password)) {
      return { ok: true, user };
    }
  }
  if (auth.bearer && scheme?.toLowerCase() === 'bearer' && same(value, auth.bearer))
    return { ok: true, user: 'bearer' };
  return { ok: false };
}

function fail(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'text/plain', ...headers });
  res.end(`${message}\n`);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/healthz') {
    fail(res, 200, 'ok');
    return;
  }
  const path = decodeURIComponent(url.pathname);
  const match = /^(\/.+?\.git)(\/.*)?$/.exec(path);
  if (!match || path.includes('..') || normalize(path) !== path) {
    fail(res, 404, 'not found');
    return;
  }
  const repoDir = join(root as string, match[1] as string);
  if (!existsSync(repoDir)) {
    fail(res, 404, `no repository ${match[1]}`);
    return;
  }
  const auth = authorized(repoDir, req.headers.authorization);
  if (!auth.ok) {
    fail(res, 401, 'authentication required', { 'www-authenticate': 'Basic realm="moor-git"' });
    return;
  }

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GIT_PROJECT_ROOT: root as string,
    GIT_HTTP_EXPORT_ALL: '1',
    // Pushes over HTTP, and repositories owned by whoever created them.
    GIT_CONFIG_COUNT: '2',
    GIT_CONFIG_KEY_0: 'http.receivepack',
    GIT_CONFIG_VALUE_0: 'true',
    GIT_CONFIG_KEY_1: 'safe.directory',
    GIT_CONFIG_VALUE_1: '*',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: path,
    QUERY_STRING: url.search.slice(1),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    REMOTE_USER: auth.user ?? 'anonymous',
  };
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
  const protocol = req.headers['git-protocol'];
  if (typeof protocol === 'string') env.GIT_PROTOCOL = protocol;

  const cgi = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  req.pipe(cgi.stdin);
  let stderr = '';
  cgi.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  let head = Buffer.alloc(0);
  let headersDone = false;
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    let end = head.indexOf('\r\n\r\n');
    let sepLen = 4;
    if (end < 0) {
      end = head.indexOf('\n\n');
      sepLen = 2;
    }
    if (end < 0) return;
    headersDone = true;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i < 0) continue;
      const name = line.slice(0, i).trim();
      const value = line.slice(i + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    res.write(head.subarray(end + sepLen));
  });
  cgi.on('close', (code) => {
    if (!headersDone) fail(res, 500, `git http-backend exited ${code}: ${stderr.trim()}`);
    else res.end();
    if (code !== 0) console.error(`${req.method} ${path}: git http-backend exited ${code}: ${stderr.trim()}`);
  });
}

const server = createServer(handle);
server.listen(port, '127.0.0.1', () =>
  console.log(`git smart-HTTP server on http://127.0.0.1:${port}, serving ${root}`),
);
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => server.close(() => process.exit(0)));

import { describe, expect, it } from 'vitest';
import { RetryableError } from './errors.js';
import { createLogger, forObject } from './logger.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  return { lines, destination: { write: (line: string) => void lines.push(JSON.parse(line)) } };
}

describe('createLogger', () => {
  it('writes JSON lines with a level label, ISO time and the controller', () => {
    const { lines, destination } = capture();
    createLogger({ controller: 'source', destination }).info({ interval: '1m' }, 'started');
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({ level: 'info', controller: 'source', interval: '1m', msg: 'started' });
    expect(String(line?.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(line).not.toHaveProperty('pid');
  });

  it('drops lines below the configured level', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'warn', destination });
    log.info('hidden');
    log.warn('shown');
    expect(lines.map((l) => l.msg)).toEqual(['shown']);
  });

  it('censors secret-looking fields at any of the first levels', () => {
    const { lines, destination } = capture();
    createLogger({ destination, redactPaths: ['spec.credentials'] }).info(
      {
        password: 'p1',
        auth: { token: 't1', username: 'bot' },
        req: { headers: { authorization: 'Bearer t2', accept: 'json' } },
        spec: { credentials: 'c1' },
      },
      'request',
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of ['p1', 't1', 't2', 'c1']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({
      password: '***',
      auth: { token: '***', username: 'bot' },
      req: { headers: { authorization: '***', accept: 'json' } },
    });
  });

  it('censors the data of Secrets, nested or in lists, without touching the caller’s object', () => {
    const { lines, destination } = capture();
    const secret = { kind: 'Secret', metadata: { name: 'git-auth' }, data: { password: 'aHVudGVyMg==' } };
    const configMap = { kind: 'ConfigMap', data: { key: 'visible' } };
    createLogger({ destination }).info({
      object: secret,
      applied: [configMap, { ...secret, stringData: { x: 'y' } }],
    });
    expect(lines[0]).toMatchObject({
      object: { kind: 'Secret', metadata: { name: 'git-auth' }, data: '***' },
      applied: [
        { kind: 'ConfigMap', data: { key: 'visible' } },
        { data: '***', stringData: '***' },
      ],
    });
    expect(secret.data.password).toBe('aHVudGVyMg==');
  });

  it('serialises errors from an allow-list, folding causes in and scrubbing credentials', () => {
    const { lines, destination } = capture();
    const cause = Object.assign(new Error('GET https://bot:tok@git.example.com failed'), {
      headers: { 'set-cookie': 'session=abc' },
    });
    const error = new RetryableError('fetch failed', { reason: 'FetchFailed', cause });
    createLogger({ destination }).error({ err: error }, 'reconcile failed');
    const logged = lines[0]?.err as Record<string, unknown>;
    expect(logged).toMatchObject({
      type: 'RetryableError',
      message: 'fetch failed: GET https://***@git.example.com failed',
      reason: 'FetchFailed',
      stalling: false,
    });
    expect(JSON.stringify(lines[0])).not.toContain('tok@');
    expect(JSON.stringify(lines[0])).not.toContain('session=abc');
  });
});

describe('forObject', () => {
  it('adds the object and revision to every line of the child', () => {
    const { lines, destination } = capture();
    const log = forObject(createLogger({ destination }), {
      kind: 'GitRepository',
      namespace: 'flux-system',
      name: 'podinfo',
      revision: 'main@sha1:4f2a',
    });
    log.info('fetched');
    forObject(createLogger({ destination }), { kind: 'ClusterThing', name: 'x' }).info('cluster-scoped');
    expect(lines[0]).toMatchObject({
      kind: 'GitRepository',
      namespace: 'flux-system',
      name: 'podinfo',
      revision: 'main@sha1:4f2a',
      msg: 'fetched',
    });
    expect(lines[1]).toMatchObject({ kind: 'ClusterThing', name: 'x' });
    expect(lines[1]).not.toHaveProperty('namespace');
    expect(lines[1]).not.toHaveProperty('revision');
  });
});

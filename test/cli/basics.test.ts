// The moor CLI without state of its own: help, usage errors, version, completion, --export,
// and the errors a user meets when the cluster or NATS cannot be reached.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../harness/index.js';
import { expectGolden, moor, normalise } from './helpers.js';

describe('moor help', () => {
  it('explains itself, with examples, for every command', async () => {
    const top = await moor(['--help']);
    expect(top.code).toBe(0);
    expectGolden('help.txt', normalise(top.stdout));
    for (const cmd of [
      ['get'],
      ['get', 'ks'],
      ['reconcile'],
      ['suspend', 'kustomization'],
      ['resume'],
      ['history'],
      ['tree'],
      ['diff'],
      ['diff', 'ks'],
      ['events'],
      ['create', 'source', 'git'],
      ['create', 'kustomization'],
      ['export'],
      ['check'],
      ['version'],
      ['completion'],
    ]) {
      const r = await moor([...cmd, '--help']);
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.stdout, cmd.join(' ')).toMatch(/Usage: moor /);
      if (cmd.length === 1 || cmd[0] === 'create' || cmd[0] === 'diff')
        expect(r.stdout, cmd.join(' ')).toContain('Examples:');
    }
    expectGolden('help-history.txt', normalise((await moor(['history', 'kustomization', '--help'])).stdout));
  });

  it('exits 2 on wrong usage, saying where to look', async () => {
    const unknown = await moor(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    expect(unknown.stderr).toContain('moor --help');

    const format = await moor(['get', 'ks', '-o', 'xml']);
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/argument 'xml' is invalid.*table, json, yaml/s);

    const missing = await moor(['reconcile', 'kustomization']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'name'");

    const duration = await moor(['suspend', 'ks', 'x', '--for', 'soon']);
    expect(duration.code).toBe(2);
    expect(duration.stderr).toContain('--for: "soon" is not a duration');

    const sourceFor = await moor(['suspend', 'source', 'git', 'x', '--for', '1h']);
    expect(sourceFor.code).toBe(2);
    expect(sourceFor.stderr).toContain('--for works for Kustomizations only');
  });
});

describe('moor version and completion', () => {
  it('prints the client version without a cluster', async () => {
    const r = await moor(['version', '--client'], { KUBECONFIG: '/nonexistent' });
    expect(r.code).toBe(0);
    expectGolden('version-client.txt', normalise(r.stdout));
    const json = JSON.parse((await moor(['version', '-o', 'json'])).stdout) as Record<string, string>;
    expect(json.kubernetes).toMatch(/^v1\./);
  });

  it('prints completion scripts that ask the CLI for candidates', async () => {
    const bash = await moor(['completion', 'bash']);
    expect(bash.code).toBe(0);
    expectGolden('completion-bash.txt', bash.stdout.trimEnd());
    const zsh = await moor(['completion', 'zsh']);
    expect(zsh.stdout).toContain('compdef _moor moor');
    expect((await moor(['completion', 'fish'])).code).toBe(2);

    const top = (await moor(['__complete'])).stdout.split('\n');
    expect(top).toEqual(expect.arrayContaining(['get', 'reconcile', 'history', '--kubeconfig']));
    expect(top).not.toContain('__complete');
    const get = (await moor(['__complete', 'get'])).stdout.split('\n');
    expect(get).toEqual(expect.arrayContaining(['sources', 'kustomizations', 'all']));
    const git = (await moor(['__complete', '-n', 'x', 'get', 'sources', 'git'])).stdout.split('\n');
    expect(git).toEqual(expect.arrayContaining(['--watch', '--selector', '--namespace']));
  });
});

describe('moor create --export', () => {
  it('prints YAML without touching the cluster', async () => {
    const env = { KUBECONFIG: '/nonexistent' };
    const source = await moor(
      [
        'create',
        'source',
        'git',
        'podinfo',
        '-n',
        'apps',
        '--url',
        'https://git.example/podinfo.git',
        '--tag',
        'v6.0.0',
        '--interval',
        '5m',
        '--secret-ref',
        'git-auth',
        '--export',
      ],
      env,
    );
    expect(source.code).toBe(0);
    expectGolden('create-source-git-export.yaml', source.stdout.trimEnd());
    const ks = await moor(
      [
        'create',
        'kustomization',
        'podinfo',
        '-n',
        'apps',
        '--source',
        'GitRepository/podinfo',
        '--path',
        './deploy',
        '--interval',
        '10m',
        '--prune',
        '--target-namespace',
        'prod',
        '--export',
      ],
      env,
    );
    expect(ks.code).toBe(0);
    expectGolden('create-kustomization-export.yaml', ks.stdout.trimEnd());

    const ssh = await moor(
      ['create', 'source', 'git', 'x', '--url', 'git@github.com:a/b.git', '--export'],
      env,
    );
    expect(ssh.code).toBe(2);
    expect(ssh.stderr).toContain("use the repository's https:// URL");
  });
});

describe('moor when something is unreachable', () => {
  it('says the cluster cannot be reached and how to choose another', async () => {
    const port = await freePort();
    const kubeconfig = join(tmpdir(), `moor-cli-closed-${port}.yaml`);
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters:
  - name: closed
    cluster: { server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true }
users:
  - name: nobody
    user: { token: "t" }
contexts:
  - name: closed
    context: { cluster: closed, user: nobody }
current-context: closed
`,
    );
    const r = await moor(['get', 'ks', '--kubeconfig', kubeconfig]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expectGolden('error-cluster-unreachable.txt', normalise(r.stderr, { [kubeconfig]: '<kubeconfig>' }));

    const check = await moor(['check', '--kubeconfig', kubeconfig]);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('✗ Kubernetes API server at https://127.0.0.1:');

    const context = await moor(['get', 'ks', '--kubeconfig', kubeconfig, '--context', 'elsewhere']);
    expect(context.code).toBe(1);
    expect(context.stderr).toContain('has no context "elsewhere"; it has: closed');
  });

  it('says NATS cannot be reached when given a dead URL for history', async () => {
    const r = await moor([
      'history',
      'kustomization',
      'anything',
      '-n',
      'default',
      '--nats-url',
      'nats://127.0.0.1:1',
    ]);
    expect(r.code).toBe(1);
    expectGolden('error-nats-unreachable.txt', normalise(r.stderr));
  });
});

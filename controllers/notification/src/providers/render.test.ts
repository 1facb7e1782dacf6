import type { DriftFinding, MoorEvent } from '@moor/api';
import { describe, expect, it } from 'vitest';
import { describeEvent, humanizeReason, parseRevision } from './describe.js';
import { UnsupportedEventError } from './errors.js';
import { parseHeaders } from './headers.js';
import {
  GITHUB_DESCRIPTION_MAX,
  renderDiscord,
  renderGeneric,
  renderGitHubStatus,
  renderMSTeams,
  renderSlack,
  type SlackBlock,
} from './render.js';

const SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

function event(overrides: Partial<MoorEvent> = {}): MoorEvent {
  return {
    schema: 'moor.dev/event/v1',
    id: 'ev-1',
    involvedObject: {
      apiVersion: 'kustomize.moor.dev/v1',
      kind: 'Kustomization',
      namespace: 'default',
      name: 'shop',
    },
    severity: 'info',
    reason: 'ReconciliationSucceeded',
    message: `applied revision main@sha1:${SHA}: Deployment/default/web configured`,
    metadata: { revision: `main@sha1:${SHA}`, digest: 'sha256:0f', historyId: '0000abc-xyz' },
    reportingController: 'kustomize-controller',
    timestamp: '2025-06-01T12:00:00Z',
    ...overrides,
  };
}

const web = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'web' };

function driftEvent(corrected: boolean, findings?: DriftFinding[]): MoorEvent {
  const drift: DriftFinding[] = findings ?? [
    {
      object: web,
      type: 'modified',
      corrected,
      changes: [{ path: 'spec.replicas', desired: 2, live: 9, manager: 'kubectl' }],
    },
  ];
  return event({
    severity: corrected ? 'info' : 'error',
    reason: corrected ? 'DriftCorrected' : 'DriftDetected',
    message: `${corrected ? 'corrected drift' : 'drift detected, not corrected'}: Deployment/default/web: spec.replicas 2 → 9 (by kubectl)`,
    metadata: { revision: `main@sha1:${SHA}`, historyId: 'h1', dedupKey: 'h1', drift: JSON.stringify(drift) },
  });
}

function texts(blocks: SlackBlock[]): string[] {
  const out: string[] = [];
  for (const b of blocks) {
    if (b.type === 'header') out.push(b.text.text);
    if (b.type === 'section') {
      if (b.text) out.push(b.text.text);
      for (const f of b.fields ?? []) out.push(f.text);
    }
    if (b.type === 'context') for (const e of b.elements) out.push(e.text);
  }
  return out;
}

describe('parseRevision', () => {
  it('splits branch and commit, shortening the SHA', () => {
    expect(parseRevision(`main@sha1:${SHA}`)).toMatchObject({
      ref: 'main',
      algorithm: 'sha1',
      hash: SHA,
      display: 'main@a1b2c3d',
    });
    expect(parseRevision(`refs/heads/feature/x@sha1:${SHA}`).display).toBe('feature/x@a1b2c3d');
    expect(parseRevision(`sha1:${SHA}`).display).toBe('a1b2c3d');
    expect(parseRevision(`main/${SHA}`)).toMatchObject({ ref: 'main', hash: SHA, display: 'main@a1b2c3d' });
  });
  it('says when a hash is a digest, not a commit, and keeps unknown forms whole', () => {
    expect(parseRevision(`latest@sha256:${'ab'.repeat(32)}`).display).toBe('latest@sha256:abababababab');
    expect(parseRevision('v1.2.3')).toEqual({ raw: 'v1.2.3', display: 'v1.2.3' });
  });
});

describe('humanizeReason', () => {
  it('turns CamelCase reasons into words', () => {
    expect(humanizeReason('GitOperationFailed')).toBe('Git operation failed');
    expect(humanizeReason('HTTPRequestFailed')).toBe('HTTP request failed');
  });
});

describe('renderSlack', () => {
  it('shows a corrected drift field by field, with who changed it and that Moor put it back', () => {
    const msg = renderSlack(driftEvent(true));
    const all = [...texts(msg.blocks), ...texts(msg.attachments[0]?.blocks ?? [])].join('\n');
    expect(texts(msg.blocks)).toEqual(['⚠️ Drift corrected on default/shop']);
    expect(all).toContain('`spec.replicas: 2 → 9` by `kubectl`');
    expect(all).toContain('*Deployment/default/web*');
    expect(all).toContain('Corrected by Moor');
    expect(all).not.toContain('Not corrected');
    expect(all).toContain('`main@a1b2c3d`');
    expect(all).toContain('`Kustomization/default/shop`');
    expect(all).toContain('DriftCorrected');
    expect(msg.attachments[0]?.color).toBe('#ECB22E');
    expect(msg.text).toBe(
      '⚠️ Drift corrected on default/shop: Deployment/default/web spec.replicas: 2 → 9 (by kubectl). Corrected by Moor',
    );
  });

  it('says when drift was left alone (drift.mode Detect), in red', () => {
    const msg = renderSlack(driftEvent(false));
    const all = texts(msg.attachments[0]?.blocks ?? []).join('\n');
    expect(texts(msg.blocks)[0]).toBe('🚨 Drift detected on default/shop, not corrected');
    expect(all).toContain('Not corrected (drift.mode Detect)');
    expect(all).not.toContain('Corrected by Moor');
    expect(msg.attachments[0]?.color).toBe('#E01E5A');
  });

  it('shows at most 10 drift lines, then how many more', () => {
    const changes = Array.from({ length: 14 }, (_, i) => ({
      path: `metadata.labels.l${i}`,
      desired: 'a',
      live: 'b',
    }));
    const msg = renderSlack(driftEvent(true, [{ object: web, type: 'modified', corrected: true, changes }]));
    const drift = texts(msg.attachments[0]?.blocks ?? []).find((t) => t.startsWith('*Drift*')) ?? '';
    expect(drift).toContain('*Drift* (14 fields)');
    expect(drift.match(/^• /gm)).toHaveLength(10);
    expect(drift).toContain('metadata.labels.l9: a → b');
    expect(drift).not.toContain('metadata.labels.l10:');
    expect(drift).toContain('…and 4 more');
  });

  it('names a deleted object', () => {
    const msg = renderSlack(
      driftEvent(true, [{ object: web, type: 'deleted', corrected: true, changes: [] }]),
    );
    expect(texts(msg.attachments[0]?.blocks ?? []).join('\n')).toContain('• was deleted');
  });

  it('shows a failure with its error in a code block, in red', () => {
    const error =
      'Deployment/default/web dry-run failed: spec.template.spec.containers[0].image: Required value';
    const msg = renderSlack(event({ severity: 'error', reason: 'ReconciliationFailed', message: error }));
    const all = texts(msg.attachments[0]?.blocks ?? []);
    expect(texts(msg.blocks)).toEqual(['❌ default/shop failed']);
    expect(all).toContain(`\`\`\`${error}\`\`\``);
    expect(msg.attachments[0]?.color).toBe('#E01E5A');
    expect(msg.text).toBe(`❌ default/shop failed: ${error}`);
  });

  it('shows a success with the revision', () => {
    const msg = renderSlack(event());
    expect(texts(msg.blocks)).toEqual(['✅ default/shop reconciled']);
    expect(msg.attachments[0]?.color).toBe('#2EB67D');
    expect(texts(msg.attachments[0]?.blocks ?? []).join('\n')).toContain('Deployment/default/web configured');
  });

  it('keeps within Slack limits and escapes mrkdwn control characters', () => {
    const msg = renderSlack(
      event({
        severity: 'error',
        reason: 'ReconciliationFailed',
        message: `<!channel> & ${'x'.repeat(10_000)}`,
        involvedObject: {
          apiVersion: 'v1',
          kind: 'Kustomization',
          namespace: 'default',
          name: 'n'.repeat(300),
        },
      }),
    );
    const header = texts(msg.blocks)[0] ?? '';
    expect(header.length).toBeLessThanOrEqual(150);
    for (const t of texts(msg.attachments[0]?.blocks ?? [])) expect(t.length).toBeLessThanOrEqual(3000);
    const message = texts(msg.attachments[0]?.blocks ?? []).find((t) => t.startsWith('```')) ?? '';
    expect(message.startsWith('```&lt;!channel&gt; &amp; xxx')).toBe(true);
    expect(message.endsWith('…```')).toBe(true);
    expect(msg.text.length).toBeLessThanOrEqual(500);
  });

  it('sets channel and username only when the Provider does', () => {
    expect(renderSlack(event(), { channel: '#deploys', username: 'moor' })).toMatchObject({
      channel: '#deploys',
      username: 'moor',
    });
    const bare = renderSlack(event());
    expect('channel' in bare || 'username' in bare).toBe(false);
  });

  it('falls back to the message when metadata.drift is not readable', () => {
    const e = driftEvent(true);
    e.metadata.drift = '{not json';
    const all = texts(renderSlack(e).attachments[0]?.blocks ?? []).join('\n');
    expect(all).toContain('corrected drift: Deployment/default/web');
    expect(all).toContain('Corrected by Moor');
  });

  it('describes source-controller events', () => {
    const e = event({
      involvedObject: {
        apiVersion: 'source.moor.dev/v1',
        kind: 'GitRepository',
        namespace: 'moor-system',
        name: 'podinfo',
      },
      reason: 'NewArtifact',
      message: `stored artifact for revision 'main@sha1:${SHA}'`,
      reportingController: 'source-controller',
    });
    expect(texts(renderSlack(e).blocks)).toEqual(['📦 New revision for GitRepository moor-system/podinfo']);
    const failed = {
      ...e,
      severity: 'error' as const,
      reason: 'GitOperationFailed',
      message: 'authentication required',
    };
    expect(describeEvent(failed)).toMatchObject({
      tone: 'error',
      headline: 'GitRepository moor-system/podinfo: Git operation failed',
    });
  });
});

describe('renderGeneric', () => {
  it('is the event as JSON', () => {
    const e = driftEvent(true);
    expect(JSON.parse(renderGeneric(e))).toEqual(e);
  });
});

describe('renderMSTeams and renderDiscord', () => {
  it('carry the same facts as the Slack message', () => {
    const teams = JSON.stringify(renderMSTeams(driftEvent(true)));
    for (const fact of [
      'Drift corrected on default/shop',
      'spec.replicas: 2 → 9',
      'kubectl',
      'Corrected by Moor',
      'main@a1b2c3d',
      'Kustomization/default/shop',
    ]) {
      expect(teams).toContain(fact);
    }
    const discord = renderDiscord(driftEvent(false), { username: 'moor' });
    const embed = discord.embeds[0];
    expect(embed.title).toBe('🚨 Drift detected on default/shop, not corrected');
    expect(embed.description).toContain('`spec.replicas: 2 → 9` by `kubectl`');
    expect(embed.fields).toContainEqual({
      name: 'Correction',
      value: 'Not corrected (drift.mode Detect)',
      inline: false,
    });
    expect(embed.fields).toContainEqual({ name: 'Revision', value: '`main@a1b2c3d`', inline: true });
    expect(embed.color).toBe(0xe01e5a);
    expect(discord).toMatchObject({ username: 'moor', allowed_mentions: { parse: [] } });
  });

  it('show a failure in red with its error', () => {
    const e = event({ severity: 'error', reason: 'ReconciliationFailed', message: 'boom' });
    expect(renderDiscord(e).embeds[0].description).toBe('```\nboom\n```');
    expect(JSON.stringify(renderMSTeams(e))).toContain(
      '"text":"boom","wrap":true,"fontType":"Monospace","color":"Attention"',
    );
  });
});

describe('renderGitHubStatus', () => {
  it('maps outcomes to commit states on the revision SHA, one context per object', () => {
    const ok = renderGitHubStatus(event());
    expect(ok).toEqual({
      sha: SHA,
      body: {
        state: 'success',
        context: 'moor/kustomization/default/shop',
        description: 'Reconciled main@a1b2c3d',
      },
    });
    expect(
      renderGitHubStatus(event({ severity: 'error', reason: 'ReconciliationFailed', message: 'x' })).body,
    ).toMatchObject({
      state: 'failure',
      description: 'Failed: x',
    });
    expect(renderGitHubStatus(event({ reason: 'Progressing', message: 'applying' })).body.state).toBe(
      'pending',
    );
    expect(renderGitHubStatus(driftEvent(true)).body).toMatchObject({
      state: 'success',
      description: 'Drift corrected: 1 field',
    });
    expect(renderGitHubStatus(driftEvent(false)).body).toMatchObject({
      state: 'failure',
      description: 'Drift detected, not corrected: 1 field',
    });
  });

  it('keeps the description within 140 characters', () => {
    const s = renderGitHubStatus(
      event({ severity: 'error', reason: 'ReconciliationFailed', message: 'e'.repeat(500) }),
    );
    expect(s.body.description).toHaveLength(GITHUB_DESCRIPTION_MAX);
    expect(s.body.description.endsWith('…')).toBe(true);
  });

  it('refuses events without a Git commit', () => {
    expect(() => renderGitHubStatus(event({ metadata: {} }))).toThrow(UnsupportedEventError);
    expect(() =>
      renderGitHubStatus(event({ metadata: { revision: `latest@sha256:${'ab'.repeat(32)}` } })),
    ).toThrow(/not a Git commit/);
  });
});

describe('parseHeaders', () => {
  it('reads a flat YAML map and a JSON object, lower-casing names', () => {
    expect(
      parseHeaders("X-Api-Key: abc123\n# comment\nX-Team: \"platform\"\nX-Quote: 'it''s'\n", 'generic'),
    ).toEqual({
      'x-api-key': 'abc123',
      'x-team': 'platform',
      'x-quote': "it's",
    });
    expect(parseHeaders('{"X-Api-Key": "abc123", "X-Retries": 3}', 'generic')).toEqual({
      'x-api-key': 'abc123',
      'x-retries': '3',
    });
    expect(parseHeaders(undefined, 'generic')).toEqual({});
  });

  it('rejects what is not a flat map without quoting its values', () => {
    const secret = 's3cr3t-value';
    for (const text of [
      `X-Key:\n  nested: ${secret}`,
      `just ${secret}`,
      `{"X-Key": ${secret}`,
      `{"X-Key": {"a": "${secret}"}}`,
    ]) {
      let error: unknown;
      try {
        parseHeaders(text, 'generic');
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toContain('Secret key "headers"');
      expect((error as Error).message).not.toContain(secret);
    }
    expect(() => parseHeaders('Host: evil', 'generic')).toThrow(/cannot be set/);
  });
});

describe("an Alert's summary", () => {
  it('leads the headline of every provider, and is absent when not set', () => {
    const event = driftEvent(true);
    expect(describeEvent(event).headline).toBe('Drift corrected on default/shop');
    const withSummary = { ...event, metadata: { ...event.metadata, summary: 'prod-eu-1' } };
    expect(describeEvent(withSummary).headline).toBe('prod-eu-1 · Drift corrected on default/shop');
  });
});

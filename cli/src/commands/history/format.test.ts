import { HISTORY_SCHEMA_VERSION, type ReconcileRecord } from '@moor/api';
import { describe, expect, it } from 'vitest';
import { historyTable, recordDetail, rowFromRecord, rowFromSummary, shortRev } from './format.js';

const ref = (kind: string, name: string, apiVersion = 'v1') => ({ apiVersion, kind, namespace: 'app', name });

const record: ReconcileRecord = {
  schema: HISTORY_SCHEMA_VERSION,
  id: '0mbb1x2y3-0a1b2c3d',
  kustomization: { namespace: 'app', name: 'web' },
  trigger: 'Drift',
  revision: 'main@sha1:0123456789abcdef0123456789abcdef01234567',
  startedAt: '2025-06-01T12:00:00.123Z',
  durationMs: 1234,
  result: 'DriftCorrected',
  changes: [
    {
      id: 'app_web_apps_Deployment',
      object: ref('Deployment', 'web', 'apps/v1'),
      action: 'configured',
      changedFields: ['spec.replicas'],
    },
    { id: 'app_cfg__ConfigMap', object: ref('ConfigMap', 'cfg'), action: 'unchanged' },
  ],
  pruned: [{ id: 'app_old__ConfigMap', object: ref('ConfigMap', 'old'), action: 'deleted' }],
  drift: [
    {
      object: ref('Deployment', 'web', 'apps/v1'),
      type: 'modified',
      changes: [{ path: 'spec.replicas', desired: 1, live: 3, manager: 'kubectl' }],
      corrected: true,
    },
  ],
  errors: [],
  appliedBy: { controller: 'kustomize-controller', instance: 'vm-1' },
};

describe('history format', () => {
  it('shortens revisions like git', () => {
    expect(shortRev('main@sha1:0123456789abcdef')).toBe('main@0123456');
    expect(shortRev(undefined)).toBe('-');
  });

  it('summarises a record in a row', () => {
    expect(rowFromRecord(record)).toMatchObject({
      created: 0,
      configured: 1,
      deleted: 1,
      drift: 'Deployment/web spec.replicas',
    });
  });

  it('reads status.history summaries', () => {
    expect(
      rowFromSummary({
        id: 'x',
        trigger: 'Interval',
        startedAt: '2025-06-01T12:00:00Z',
        result: 'Succeeded',
        counts: { created: 2 },
        driftedObjects: 0,
      }),
    ).toMatchObject({ created: 2, configured: 0, deleted: 0, drift: '-' });
  });

  it('renders a table', () => {
    expect(historyTable([rowFromRecord(record)]).split('\n')).toEqual([
      'ID                   TIME                   TRIGGER   REVISION       RESULT           DURATION   CREATED   CONFIGURED   DELETED   DRIFT',
      '0mbb1x2y3-0a1b2c3d   2025-06-01T12:00:00Z   Drift     main@0123456   DriftCorrected   1.2s       0         1            1         Deployment/web spec.replicas',
    ]);
  });

  it('shows one record in full', () => {
    const text = recordDetail(record);
    expect(text).toContain('configured  Deployment/app/web\n              ~ spec.replicas');
    expect(text).toContain('deleted     ConfigMap/app/old');
    expect(text).toContain('spec.replicas: desired 1, live 3 (changed by kubectl)');
    expect(text).toContain('Changes (1 changed, 1 unchanged):');
  });
});

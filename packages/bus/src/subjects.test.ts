import { describe, expect, it } from 'vitest';
import {
  artifactSubject,
  channelFilter,
  decodeToken,
  encodeToken,
  eventSubject,
  parseObjectSubject,
} from './subjects.js';

describe('subjects', () => {
  it('encode dotted object names reversibly', () => {
    const subject = eventSubject({ kind: 'GitRepository', namespace: 'team-a', name: 'podinfo.v2' });
    expect(subject).toBe('moor.events.GitRepository.team-a.podinfo_v2');
    expect(parseObjectSubject(subject)).toEqual({
      channel: 'events',
      kind: 'GitRepository',
      namespace: 'team-a',
      name: 'podinfo.v2',
    });
    expect(decodeToken(encodeToken('a.b.c'))).toBe('a.b.c');
  });

  it('refuse tokens NATS would misread', () => {
    for (const bad of ['', 'a b', 'a*', 'a>', 'a_b']) expect(() => encodeToken(bad)).toThrow(/subject token/);
  });

  it('build channel filters', () => {
    expect(channelFilter('artifacts')).toBe('moor.artifacts.*.*.*');
    expect(channelFilter('artifacts', 'GitRepository', 'flux.system')).toBe(
      'moor.artifacts.GitRepository.flux_system.*',
    );
    expect(artifactSubject({ kind: 'GitRepository', namespace: 'ns', name: 'n' })).toBe(
      'moor.artifacts.GitRepository.ns.n',
    );
  });

  it('reject subjects that are not per-object', () => {
    expect(() => parseObjectSubject('moor.events.x')).toThrow(/not a Moor object subject/);
  });
});

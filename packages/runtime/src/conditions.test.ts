import type { Condition } from '@moor/api';
import { describe, expect, it } from 'vitest';
import {
  finishReconcile,
  formatConditionTime,
  getCondition,
  isFalse,
  isTrue,
  isUnknown,
  markNotReady,
  markReady,
  markReconciling,
  markStalled,
  removeCondition,
  setCondition,
} from './conditions.js';
import { RetryableError, StallingError } from './errors.js';

const t0 = new Date('2025-01-01T00:00:00.123Z');
const t1 = new Date('2025-01-01T00:05:00Z');
const types = (conditions: readonly Condition[]) => conditions.map((c) => c.type);

describe('setCondition', () => {
  it('adds a condition with a second-precision transition time', () => {
    const conditions = setCondition(
      undefined,
      { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'ok' },
      { now: t0, observedGeneration: 3 },
    );
    expect(conditions).toEqual([
      {
        type: 'Ready',
        status: 'True',
        observedGeneration: 3,
        lastTransitionTime: '2025-01-01T00:00:00Z',
        reason: 'Succeeded',
        message: 'ok',
      },
    ]);
  });

  it('keeps lastTransitionTime while the status stays, and changes it when the status changes', () => {
    let conditions = markReady(undefined, 'Succeeded', 'rev 1', { now: t0 });
    conditions = markReady(conditions, 'Succeeded', 'rev 2', { now: t1 });
    expect(getCondition(conditions, 'Ready')).toMatchObject({
      message: 'rev 2',
      lastTransitionTime: formatConditionTime(t0),
    });
    conditions = markNotReady(conditions, 'FetchFailed', 'down', { now: t1 });
    expect(getCondition(conditions, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'FetchFailed',
      lastTransitionTime: formatConditionTime(t1),
    });
  });

  it('replaces in place, appends new types, and does not mutate its input', () => {
    const first = markReady(undefined, 'Succeeded', 'ok', { now: t0 });
    const second = setCondition(first, { type: 'Healthy', status: 'True', reason: 'Succeeded', message: '' });
    const third = markNotReady(second, 'Failed', 'x', { now: t1 });
    expect(types(third)).toEqual(['Ready', 'Healthy']);
    expect(first).toHaveLength(1);
    expect(first[0]?.status).toBe('True');
  });
});

describe('predicates and remove', () => {
  const conditions = setCondition(markReady(undefined, 'Succeeded', ''), {
    type: 'Healthy',
    status: 'False',
    reason: 'HealthCheckFailed',
    message: '',
  });

  it('tell True, False and Unknown/absent apart', () => {
    expect(isTrue(conditions, 'Ready')).toBe(true);
    expect(isFalse(conditions, 'Ready')).toBe(false);
    expect(isFalse(conditions, 'Healthy')).toBe(true);
    expect(isUnknown(conditions, 'Stalled')).toBe(true);
    expect(isTrue(undefined, 'Ready')).toBe(false);
  });

  it('remove drops only the given type', () => {
    expect(types(removeCondition(conditions, 'Healthy'))).toEqual(['Ready']);
  });
});

describe('markReconciling / markStalled', () => {
  it('are mutually exclusive', () => {
    const stalled = markStalled(
      markReconciling(undefined, 'Progressing', 'working'),
      'InvalidSpec',
      'bad url',
    );
    expect(types(stalled)).toEqual(['Stalled']);
    const reconciling = markReconciling(stalled, 'Progressing', 'spec changed');
    expect(types(reconciling)).toEqual(['Reconciling']);
    expect(isTrue(reconciling, 'Reconciling')).toBe(true);
  });
});

describe('finishReconcile', () => {
  const inProgress = {
    conditions: markReconciling(markStalled(undefined, 'InvalidSpec', 'old'), 'Progressing', 'working', {
      now: t0,
    }),
    observedGeneration: 4,
  };

  it('on success sets Ready=True, removes Reconciling and Stalled, and records the generation', () => {
    const status = finishReconcile(inProgress, 5, { ok: true, message: 'stored artifact' }, t1);
    expect(status.observedGeneration).toBe(5);
    expect(types(status.conditions)).toEqual(['Ready']);
    expect(getCondition(status.conditions, 'Ready')).toMatchObject({
      status: 'True',
      reason: 'Succeeded',
      message: 'stored artifact',
      observedGeneration: 5,
    });
  });

  it('on a retryable failure sets Ready=False with the error reason, keeps Reconciling, and leaves the generation', () => {
    const error = new RetryableError('connection refused', { reason: 'FetchFailed' });
    const status = finishReconcile(inProgress, 5, { ok: false, error }, t1);
    expect(status.observedGeneration).toBe(4);
    expect(getCondition(status.conditions, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'FetchFailed',
      message: 'connection refused',
    });
    expect(getCondition(status.conditions, 'Reconciling')).toMatchObject({
      status: 'True',
      reason: 'ProgressingWithRetry',
      lastTransitionTime: formatConditionTime(t0),
    });
    expect(getCondition(status.conditions, 'Stalled')).toBeUndefined();
  });

  it('on a retryable failure of a never-reconciled object leaves observedGeneration unset', () => {
    const status = finishReconcile({}, 1, { ok: false, error: new Error('boom') }, t1);
    expect('observedGeneration' in status).toBe(false);
    expect(getCondition(status.conditions, 'Ready')?.reason).toBe('Failed');
  });

  it('on a stalling failure sets Stalled=True and Ready=False, removes Reconciling, and records the generation', () => {
    const error = new StallingError('spec.url: not a URL', { reason: 'InvalidSpec' });
    const status = finishReconcile(inProgress, 5, { ok: false, error }, t1);
    expect(status.observedGeneration).toBe(5);
    expect(types(status.conditions).sort()).toEqual(['Ready', 'Stalled']);
    expect(getCondition(status.conditions, 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'InvalidSpec',
    });
    expect(getCondition(status.conditions, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'InvalidSpec',
    });
  });

  it('scrubs secrets from the failure message', () => {
    const status = finishReconcile(
      {},
      1,
      { ok: false, error: new Error('login with pa55word failed'), secrets: ['pa55word'] },
      t1,
    );
    expect(getCondition(status.conditions, 'Ready')?.message).toBe('login with *** failed');
  });
});

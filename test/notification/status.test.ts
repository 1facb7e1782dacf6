// A broken alerting setup shows before an incident: a Provider whose Secret is missing and an
// Alert whose Provider does not exist are Ready=False, saying what is missing.
import { describe, expect, it } from 'vitest';
import { alerts, condition, failedWith, providers, uniqueName, useNamespace } from '../harness/index.js';

describe('Provider and Alert status', () => {
  const ns = useNamespace('notify-status');

  it('a Provider whose Secret is missing is Ready=False, naming the Secret', async () => {
    const name = uniqueName('slack');
    const secret = uniqueName('missing');
    await providers.create(ns.name, name, { type: 'slack', secretRef: { name: secret } });
    const p = await providers.waitFor(ns.name, name, failedWith('SecretNotFound'), 'SecretNotFound');
    expect(condition(p)?.message).toContain(`Secret ${ns.name}/${secret} not found`);
    expect(condition(p)?.message).toContain('spec.secretRef');
  });

  it('an Alert whose Provider does not exist is Ready=False, naming it', async () => {
    const name = uniqueName('alert');
    const provider = uniqueName('nowhere');
    await alerts.create(ns.name, name, {
      providerRef: { name: provider },
      eventSources: [{ kind: 'Kustomization', name: '*' }],
    });
    const a = await alerts.waitFor(ns.name, name, failedWith('ProviderNotFound'), 'ProviderNotFound');
    expect(condition(a)?.message).toContain(`Provider ${ns.name}/${provider} not found`);
  });
});

// Reconcilers of Provider, Alert and Receiver: they check what each object refers to (its
// Secret and keys, its Provider, its regular expressions) and say so in Ready, so a broken
// alerting setup is visible before an incident rather than during one.
import { createHash } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import {
  type Alert,
  type Condition,
  EVENT_SCHEMA_VERSION,
  type MoorEvent,
  type Provider,
  Reason,
  type Receiver,
} from '@moor/api';
import {
  finishReconcile,
  isNotFound,
  type ReconcileRequestContext,
  type Reconciler,
  type Requeue,
  type ResourceClient,
  RetryableError,
  StallingError,
} from '@moor/runtime';
import { buildRequest, ProviderConfigError, UnsupportedEventError } from './providers/index.js';

const RECHECK_MS = 10 * 60_000;

/** An event every provider type can render, to validate a Provider's configuration with. */
const SAMPLE_EVENT: MoorEvent = {
  schema: EVENT_SCHEMA_VERSION,
  id: 'validation',
  involvedObject: {
    apiVersion: 'kustomize.moor.dev/v1',
    kind: 'Kustomization',
    namespace: 'default',
    name: 'sample',
  },
  severity: 'info',
  reason: 'ReconciliationSucceeded',
  message: 'validation',
  metadata: { revision: `main@sha1:${'0'.repeat(40)}` },
  reportingController: 'notification-controller',
  timestamp: new Date(0).toISOString(),
};

interface Status {
  conditions?: Condition[];
  observedGeneration?: number;
}

async function finish<
  T extends { metadata: { namespace?: string; name?: string; generation?: number }; status?: Status },
>(
  client: ResourceClient<T & { metadata: object }>,
  obj: T,
  outcome: { ok: true; message: string } | { ok: false; error: unknown },
  extra: Record<string, unknown> = {},
): Promise<Requeue> {
  const finished = finishReconcile(obj.status ?? {}, obj.metadata.generation ?? 0, outcome);
  await client.applyStatus(obj.metadata.namespace as string, obj.metadata.name as string, {
    ...extra,
    conditions: finished.conditions,
    ...(finished.observedGeneration === undefined ? {} : { observedGeneration: finished.observedGeneration }),
  });
  // A missing Secret may appear later: look again, at a calm pace.
  return { requeueAfterMs: outcome.ok ? RECHECK_MS : 30_000 };
}

/** The decoded data of a Secret, or a RetryableError naming it. */
export async function readSecret(
  core: k8s.CoreV1Api,
  namespace: string,
  name: string,
  field: string,
): Promise<Record<string, string>> {
  try {
    const secret = await core.readNamespacedSecret({ name, namespace });
    return Object.fromEntries(
      Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
    );
  } catch (err) {
    if (isNotFound(err))
      throw new RetryableError(`${field}: Secret ${namespace}/${name} not found`, {
        reason: 'SecretNotFound',
        cause: err,
      });
    throw err;
  }
}

export class ProviderReconciler implements Reconciler<Provider> {
  private readonly core: k8s.CoreV1Api;
  constructor(
    kc: k8s.KubeConfig,
    private readonly client: ResourceClient<Provider>,
  ) {
    this.core = kc.makeApiClient(k8s.CoreV1Api);
  }

  async reconcile(p: Provider, _ctx: ReconcileRequestContext): Promise<Requeue> {
    try {
      const ns = p.metadata.namespace as string;
      const data = p.spec.secretRef
        ? await readSecret(this.core, ns, p.spec.secretRef.name, 'spec.secretRef')
        : {};
      // The same check the first delivery makes, so a broken Provider is Ready=False now.
      try {
        buildRequest(p.spec, data, SAMPLE_EVENT);
      } catch (err) {
        if (err instanceof ProviderConfigError) {
          throw new RetryableError(
            `${err.message}${p.spec.secretRef ? ` (Secret ${ns}/${p.spec.secretRef.name})` : ''}`,
            {
              reason: 'InvalidProvider',
              cause: err,
            },
          );
        }
        if (!(err instanceof UnsupportedEventError)) throw err;
      }
      if (p.spec.certSecretRef) {
        const ca = await readSecret(this.core, ns, p.spec.certSecretRef.name, 'spec.certSecretRef');
        if (!ca['ca.crt']) {
          throw new RetryableError(
            `spec.certSecretRef: Secret ${ns}/${p.spec.certSecretRef.name} has no key "ca.crt"`,
            {
              reason: 'InvalidSecret',
            },
          );
        }
      }
      return await finish(this.client, p, { ok: true, message: 'Provider initialized' });
    } catch (err) {
      return finish(this.client, p, { ok: false, error: err });
    }
  }
}

export class AlertReconciler implements Reconciler<Alert> {
  constructor(
    private readonly client: ResourceClient<Alert>,
    private readonly providers: ResourceClient<Provider>,
  ) {}

  async reconcile(a: Alert, _ctx: ReconcileRequestContext): Promise<Requeue> {
    try {
      const ns = a.metadata.namespace as string;
      for (const [field, list] of [
        ['spec.inclusionList', a.spec.inclusionList],
        ['spec.exclusionList', a.spec.exclusionList],
      ] as const) {
        for (const [i, re] of (list ?? []).entries()) {
          try {
            new RegExp(re);
          } catch (err) {
            throw new StallingError(
              `${field}[${i}]: ${JSON.stringify(re)} is not a valid regular expression`,
              {
                reason: Reason.InvalidSpec,
                cause: err,
              },
            );
          }
        }
      }
      let provider: Provider;
      try {
        provider = await this.providers.get(ns, a.spec.providerRef.name);
      } catch (err) {
        if (isNotFound(err)) {
          throw new RetryableError(`spec.providerRef: Provider ${ns}/${a.spec.providerRef.name} not found`, {
            reason: 'ProviderNotFound',
          });
        }
        throw err;
      }
      const ready = provider.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status === 'False') {
        throw new RetryableError(
          `spec.providerRef: Provider ${ns}/${provider.metadata.name} is not ready: ${ready.message}`,
          {
            reason: 'ProviderNotReady',
          },
        );
      }
      return await finish(this.client, a, { ok: true, message: 'Initialized' });
    } catch (err) {
      return finish(this.client, a, { ok: false, error: err });
    }
  }
}

/** Flux's webhook path: derived from the token, name and namespace, so it is unguessable. */
export function webhookPath(token: string, name: string, namespace: string): string {
  return `/hook/${createHash('sha256')
    .update(token + name + namespace)
    .digest('hex')}`;
}

export class ReceiverReconciler implements Reconciler<Receiver> {
  private readonly core: k8s.CoreV1Api;

  constructor(
    kc: k8s.KubeConfig,
    private readonly client: ResourceClient<Receiver>,
  ) {
    this.core = kc.makeApiClient(k8s.CoreV1Api);
  }

  async reconcile(r: Receiver, _ctx: ReconcileRequestContext): Promise<Requeue> {
    const ns = r.metadata.namespace as string;
    try {
      const data = await readSecret(this.core, ns, r.spec.secretRef.name, 'spec.secretRef');
      const token = data.token;
      if (!token) {
        throw new RetryableError(`spec.secretRef: Secret ${ns}/${r.spec.secretRef.name} has no key "token"`, {
          reason: 'InvalidSecret',
        });
      }
      const path = webhookPath(token, r.metadata.name as string, ns);
      return await finish(
        this.client,
        r,
        { ok: true, message: `Receiver initialized for path: ${path}` },
        { webhookPath: path },
      );
    } catch (err) {
      return finish(this.client, r, { ok: false, error: err });
    }
  }
}

// Asking a controller to reconcile now and waiting for its answer, as `reconcile`, `resume` and
// `create` do: set reconcile.moor.dev/requestedAt (and publish a request on NATS when
// reachable), then poll until status.lastHandledReconcileAt echoes it.
import type { Condition, KustomizationHistory } from '@moor/api';
import { RECONCILE_REQUESTED_AT_ANNOTATION } from '@moor/api';
import type { Context } from './context.js';
import { CliError } from './errors.js';
import { GitRepositoryKind, KustomizationKind, type MoorKind } from './kinds.js';
import type { KubeObject } from './kube.js';
import { withSpinner } from './output.js';

export interface ReconcilableObject extends KubeObject {
  spec?: { suspend?: boolean; [k: string]: unknown };
  status?: {
    conditions?: Condition[];
    lastHandledReconcileAt?: string;
    observedGeneration?: number;
    artifact?: { revision?: string };
    lastAppliedRevision?: string;
    lastAttemptedRevision?: string;
    history?: KustomizationHistory[];
  };
}

export async function requestReconcile(
  ctx: Context,
  kind: MoorKind,
  namespace: string,
  name: string,
): Promise<string> {
  const requestedAt = new Date().toISOString();
  await ctx.kube.mergePatch(kind, namespace, name, {
    metadata: { annotations: { [RECONCILE_REQUESTED_AT_ANNOTATION]: requestedAt } },
  });
  // NATS wakes the controller at once; the annotation alone does too, through its watch.
  const bus = await ctx.bus(false).catch(() => undefined);
  if (bus) {
    try {
      bus.requestReconcile({
        object: { apiVersion: kind.apiVersion, kind: kind.kind, namespace, name },
        requestedAt,
        requestedBy: `cli/${ctx.kube.user}`,
      });
      await bus.connection.flush();
    } catch {
      // Best effort: the annotation is the request that counts.
    } finally {
      await bus.close().catch(() => undefined);
    }
  }
  return requestedAt;
}

/** Polls until the controller has handled `requestedAt`; returns the object as it left it. */
export async function waitForHandled<T extends ReconcilableObject>(
  ctx: Context,
  kind: MoorKind,
  namespace: string,
  name: string,
  requestedAt: string,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return withSpinner(`waiting for ${kind.kind} ${namespace}/${name} to be reconciled`, async () => {
    for (;;) {
      const o = await ctx.getObject<T>(kind, name, namespace);
      if (o.status?.lastHandledReconcileAt === requestedAt) return o;
      if (Date.now() >= deadline)
        throw new CliError(
          `timed out after ${timeoutMs / 1000}s waiting for ${kind.kind} ${namespace}/${name} to be reconciled.\n` +
            `Is the ${kind === GitRepositoryKind ? 'source' : kind === KustomizationKind ? 'kustomize' : 'notification'} ` +
            'controller running? Run moor check; or wait longer with --timeout.',
        );
      await new Promise((r) => setTimeout(r, 500));
    }
  });
}

export interface Outcome {
  ok: boolean;
  line: string;
}

/** What the reconcile did, in one line. */
export function describeOutcome(kind: MoorKind, o: ReconcilableObject): Outcome {
  const md = o.metadata ?? {};
  const ref = `${kind.kind} ${md.namespace}/${md.name}`;
  const ready = o.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') {
    return { ok: false, line: `${ref} reconcile failed: ${ready?.message || ready?.reason || 'not Ready'}` };
  }
  if (kind === GitRepositoryKind) {
    return { ok: true, line: `${ref} fetched revision ${o.status?.artifact?.revision ?? '<none>'}` };
  }
  if (kind === KustomizationKind) {
    const h = o.status?.history?.[0];
    const c = h?.counts ?? {};
    const counts = `${c.created ?? 0} created, ${c.configured ?? 0} configured, ${c.deleted ?? 0} deleted, ${c.unchanged ?? 0} unchanged`;
    const drift = h?.driftedObjects ? `, ${h.driftedObjects} drifted` : '';
    return {
      ok: true,
      line: `${ref} applied revision ${o.status?.lastAppliedRevision ?? '<none>'}: ${counts}${drift}${h ? ` (history ${h.id})` : ''}`,
    };
  }
  return { ok: true, line: `${ref} is Ready: ${ready.message}` };
}

export function refuseSuspended(kind: MoorKind, o: ReconcilableObject): void {
  if (o.spec?.suspend) {
    const md = o.metadata ?? {};
    throw new CliError(
      `${kind.kind} ${md.namespace}/${md.name} is suspended, so the controller will not reconcile it; ` +
        `resume it first: moor resume ${kind.cliName} ${md.name} -n ${md.namespace}`,
    );
  }
}

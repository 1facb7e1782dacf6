// What applying a local build of a Kustomization would change, worked out as the kustomize
// controller works it out: the same build (overlay fields, postBuild substitution with the
// values of substituteFrom read from the cluster), the same namespace defaulting and owner
// labels, a server-side dry-run apply of each object (field manager moor, force, strict field
// validation) compared with the live object, and the same prune rules for what left the build.
import { rm } from 'node:fs/promises';
import type { Kustomization } from '@moor/api';
import { BuildError, type BuiltObject, build, buildOptionsFor } from '@moor/kustomize-build';
import { mapLimit, redactText } from '@moor/runtime';
import { stringify } from 'yaml';
import { CliError, messageOf } from '../../errors.js';
import { ApiError, isNotFound, type Kube, type KubeObject, type ResourceType } from '../../kube.js';
import { parseInventoryId } from '../tree/inventory.js';
import { type Checkout, copyCheckout } from './checkout.js';
import {
  changedPaths,
  displayName,
  idOf,
  inventoryId,
  maskSecrets,
  normalizeObject,
  type ObjectId,
} from './objects.js';
import { unifiedDiff } from './unified.js';

// The kustomize controller's conventions (controllers/kustomize/src/apply/manager.ts).
export const OWNER_NAME_LABEL = 'kustomize.moor.dev/name';
export const OWNER_NAMESPACE_LABEL = 'kustomize.moor.dev/namespace';
const PRUNE_ANNOTATIONS = ['kustomize.moor.dev/prune', 'kustomize.toolkit.fluxcd.io/prune'];
const FORCE_ANNOTATIONS = ['kustomize.moor.dev/force', 'kustomize.toolkit.fluxcd.io/force'];
const IMMUTABLE = [/field is immutable/i, /is immutable/i, /immutable field/i, /may not change once set/i];

export type Action = 'created' | 'drifted' | 'unchanged' | 'deleted';

export interface ObjectDiff extends ObjectId {
  /** The inventory id, `<namespace>_<name>_<group>_<kind>`. */
  id: string;
  action: Action;
  /** The file the object came from, relative to the artifact root. */
  file?: string;
  changedFields?: string[];
  /** A unified diff of the YAML, Secret values masked. */
  diff?: string;
  /** Why the result is less certain or different from a plain comparison. */
  note?: string;
}

export interface DiffPlan {
  objects: ObjectDiff[];
  /** Objects the build no longer produces that the controller would leave in place, and why. */
  kept: Array<ObjectId & { id: string; reason: string }>;
}

export interface PlanOptions {
  kustomizeBinary?: string;
  signal?: AbortSignal;
}

const SECRETS: ResourceType = { group: '', version: 'v1', plural: 'secrets', namespaced: true };
const CONFIGMAPS: ResourceType = { group: '', version: 'v1', plural: 'configmaps', namespaced: true };

/** postBuild.substituteFrom, later entries overriding earlier ones (the controller's inputs.ts). */
async function substitutionValues(
  kube: Kube,
  ks: Kustomization,
): Promise<{ values: Record<string, string>; secrets: string[] }> {
  const values: Record<string, string> = {};
  const secrets: string[] = [];
  const namespace = ks.metadata.namespace as string;
  for (const [i, ref] of (ks.spec.postBuild?.substituteFrom ?? []).entries()) {
    const what = `spec.postBuild.substituteFrom[${i}]: ${ref.kind} ${namespace}/${ref.name}`;
    try {
      if (ref.kind === 'ConfigMap') {
        const cm = await kube.get<{ data?: Record<string, string> }>(CONFIGMAPS, namespace, ref.name);
        Object.assign(values, cm.data ?? {});
      } else {
        const secret = await kube.get<{ data?: Record<string, string> }>(SECRETS, namespace, ref.name);
        for (const [k, v] of Object.entries(secret.data ?? {})) {
          values[k] = Buffer.from(v, 'base64').toString('utf8');
          secrets.push(values[k]);
        }
      }
    } catch (err) {
      if (isNotFound(err) && ref.optional) continue;
      throw new CliError(isNotFound(err) ? `${what} not found` : `${what}: ${messageOf(err)}`);
    }
  }
  return { values, secrets };
}

const toYaml = (o: unknown) => stringify(o, { lineWidth: 0 });

/** Kinds the CRDs of the set define, `group/kind`. */
function kindsDefinedBy(objects: readonly BuiltObject[]): Set<string> {
  const out = new Set<string>();
  for (const { object } of objects) {
    if (object.kind !== 'CustomResourceDefinition') continue;
    const spec = object.spec as { group?: unknown; names?: { kind?: unknown } } | undefined;
    if (typeof spec?.group === 'string' && typeof spec.names?.kind === 'string')
      out.add(`${spec.group}/${spec.names.kind}`);
  }
  return out;
}

async function lookup(kube: Kube, apiVersion: string, kind: string): Promise<ResourceType | undefined> {
  try {
    return await kube.resourceFor(apiVersion, kind);
  } catch (err) {
    if (err instanceof CliError && /does not serve/.test(err.message)) return undefined;
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

/** Builds the checkout as the controller would build the Kustomization's artifact. */
export async function buildCheckout(
  kube: Kube,
  ks: Kustomization,
  checkout: Checkout,
  options: PlanOptions,
): Promise<{ objects: BuiltObject[]; secrets: string[]; warnings: string[] }> {
  const { values, secrets } = await substitutionValues(kube, ks);
  const copy = await copyCheckout(checkout.root);
  try {
    const result = await build({
      artifact: { dir: copy },
      ...buildOptionsFor(ks.spec, values),
      // The local checkout's directory, not spec.path: that is what `--path` names.
      path: checkout.path,
      ...(options.kustomizeBinary ? { kustomizeBinary: options.kustomizeBinary } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { objects: result.objects, secrets, warnings: result.warnings };
  } catch (err) {
    if (!(err instanceof BuildError)) throw err;
    let message = redactText(err.message, Object.values(values));
    if (/kustomize binary '[^']*' not found/.test(message))
      message += '\nPut the pinned kustomize (v5.8.2) on PATH, or name it with --kustomize-binary.';
    throw new CliError(message);
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}

/** Compares the build with the cluster, object by object, and lists what would be pruned. */
export async function planDiff(
  kube: Kube,
  ks: Kustomization,
  built: readonly BuiltObject[],
  secrets: readonly string[],
): Promise<DiffPlan> {
  const ksName = ks.metadata.name as string;
  const ksNamespace = ks.metadata.namespace as string;
  const ownerLabels = { [OWNER_NAME_LABEL]: ksName, [OWNER_NAMESPACE_LABEL]: ksNamespace };
  const defaultNamespace = ks.spec.targetNamespace ?? ksNamespace;
  const pendingKinds = kindsDefinedBy(built);
  const namespacesInSet = new Set(
    built
      .filter((b) => b.object.kind === 'Namespace' && b.object.apiVersion === 'v1')
      .map((b) => idOf(b.object).name),
  );
  const problems: string[] = [];
  const redact = (text: string) => redactText(text, secrets);
  const problem = (file: string | undefined, id: ObjectId, detail: string) =>
    problems.push(`${file ? `${file}: ` : ''}${displayName(id)}: ${redact(detail)}`);

  const objects = await mapLimit(
    built,
    4,
    async ({ object: raw, origin }): Promise<ObjectDiff | undefined> => {
      const written = idOf(raw as KubeObject);
      const file = origin.path;
      const apiVersion = String(raw.apiVersion);
      const info = await lookup(kube, apiVersion, written.kind);
      const desired = structuredClone(raw) as KubeObject;
      const meta = { ...(desired.metadata ?? {}) };
      meta.labels = { ...(meta.labels ?? {}), ...ownerLabels };
      const namespaced = info ? info.namespaced : true;
      const namespace = namespaced ? written.namespace || defaultNamespace : '';
      if (namespace) meta.namespace = namespace;
      else delete meta.namespace;
      desired.metadata = meta;
      const id: ObjectId = { ...written, namespace };
      const base = { ...id, id: inventoryId(id), file };
      const created = (note?: string): ObjectDiff => {
        const shown = normalizeObject(desired);
        maskSecrets(undefined, shown);
        return {
          ...base,
          action: 'created',
          diff: redact(unifiedDiff('', toYaml(shown), { from: '/dev/null', to: displayName(id) })),
          ...(note ? { note } : {}),
        };
      };
      if (!info) {
        if (pendingKinds.has(`${written.group}/${written.kind}`))
          return created('not validated: its CustomResourceDefinition is part of the set');
        problem(
          file,
          id,
          `the API server does not serve kind ${written.kind} in ${apiVersion} (is its CustomResourceDefinition installed?)`,
        );
        return undefined;
      }
      let live: KubeObject | undefined;
      try {
        live = await kube.get<KubeObject>(info, namespace || undefined, id.name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      let merged: KubeObject;
      try {
        merged = await kube.apply<KubeObject>(info, desired, { dryRun: true, force: true, strict: true });
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        if (
          !live &&
          err.status === 404 &&
          namespacesInSet.has(namespace) &&
          /namespaces? "/.test(err.message)
        )
          return created(`not validated: its Namespace ${namespace} is part of the set`);
        if (live && err.status === 422 && IMMUTABLE.some((p) => p.test(err.message))) {
          const annotations = desired.metadata?.annotations ?? {};
          const force =
            ks.spec.force === true ||
            FORCE_ANNOTATIONS.some((a) => annotations[a]?.toLowerCase() === 'enabled');
          if (force)
            return {
              ...base,
              action: 'drifted',
              note: 'would be deleted and recreated: an immutable field changed (force)',
            };
        }
        problem(file, id, `dry-run failed: ${err.message}`);
        return undefined;
      }
      if (!live) return created();
      const before = normalizeObject(live);
      const after = normalizeObject(merged);
      maskSecrets(before, after);
      const changedFields = changedPaths(before, after);
      if (changedFields.length === 0) return { ...base, action: 'unchanged' };
      const name = displayName(id);
      return {
        ...base,
        action: 'drifted',
        changedFields,
        diff: redact(
          unifiedDiff(toYaml(before), toYaml(after), { from: `${name} (live)`, to: `${name} (after apply)` }),
        ),
      };
    },
  );
  if (problems.length > 0) {
    const head = problems.length === 1 ? 'dry-run failed' : `dry-run failed for ${problems.length} objects`;
    throw new CliError(`${head}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  const results = objects.filter((o): o is ObjectDiff => o !== undefined);

  // Prune: the inventory entries the build no longer produces (by id, not version).
  const keep = new Set(results.map((o) => o.id));
  const stale = (ks.status?.inventory?.entries ?? []).filter((e) => !keep.has(e.id));
  const kept: DiffPlan['kept'] = [];
  const pruned: ObjectDiff[] = [];
  await mapLimit(stale, 4, async (entry) => {
    const ref = parseInventoryId(entry.id, entry.v);
    const id: ObjectId = {
      group: ref.group,
      version: ref.version,
      kind: ref.kind,
      namespace: ref.namespace,
      name: ref.name,
    };
    if (!ks.spec.prune) {
      kept.push({ ...id, id: entry.id, reason: 'spec.prune is false' });
      return;
    }
    const info = await lookup(kube, ref.group ? `${ref.group}/${ref.version}` : ref.version, ref.kind);
    if (!info) return; // not served any more: nothing to delete
    let live: KubeObject;
    try {
      live = await kube.get<KubeObject>(info, ref.namespace || undefined, ref.name);
    } catch (err) {
      if (isNotFound(err)) return; // already deleted
      throw err;
    }
    if (live.metadata?.deletionTimestamp) return;
    const labels = live.metadata?.labels ?? {};
    if (!Object.entries(ownerLabels).every(([k, v]) => labels[k] === v)) {
      kept.push({ ...id, id: entry.id, reason: 'it no longer carries the owner labels' });
      return;
    }
    const annotations = live.metadata?.annotations ?? {};
    if (PRUNE_ANNOTATIONS.some((a) => annotations[a]?.toLowerCase() === 'disabled')) {
      kept.push({ ...id, id: entry.id, reason: 'pruning is disabled by annotation' });
      return;
    }
    pruned.push({ ...id, id: entry.id, action: 'deleted', note: 'pruned' });
  });
  const order = new Map(stale.map((e, i) => [e.id, i]));
  const byInventory = (a: { id: string }, b: { id: string }) =>
    (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0);
  return { objects: [...results, ...pruned.sort(byInventory)], kept: kept.sort(byInventory) };
}

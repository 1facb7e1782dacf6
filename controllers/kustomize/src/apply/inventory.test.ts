import { describe, expect, it } from 'vitest';
import { InvalidInventoryEntryError } from './errors.js';
import {
  entryOf,
  inInventory,
  inventoryOf,
  MemoryInventoryStore,
  parseEntry,
  staleEntries,
} from './inventory.js';
import type { ObjectRef } from './objects.js';

const ref = (kind: string, name: string, namespace = '', group = '', version = 'v1'): ObjectRef => ({
  group,
  version,
  kind,
  namespace,
  name,
});

describe('inventory entries', () => {
  it("use Flux's <namespace>_<name>_<group>_<kind> id with the version apart", () => {
    expect(entryOf(ref('Deployment', 'web', 'apps-ns', 'apps'))).toEqual({
      id: 'apps-ns_web_apps_Deployment',
      v: 'v1',
    });
    expect(entryOf(ref('Namespace', 'apps-ns'))).toEqual({ id: '_apps-ns__Namespace', v: 'v1' });
  });

  it('round-trip, including RBAC names with colons', () => {
    for (const r of [
      ref('Deployment', 'web', 'ns', 'apps'),
      ref('Namespace', 'ns'),
      ref('ClusterRole', 'system:controller:moor', '', 'rbac.authorization.k8s.io'),
      ref('ConfigMap', 'a', 'ns'),
    ]) {
      expect(parseEntry(entryOf(r))).toEqual(r);
    }
  });

  it('reject malformed ids', () => {
    expect(() => parseEntry({ id: 'ns_name_Kind', v: 'v1' })).toThrow(InvalidInventoryEntryError);
    expect(() => parseEntry({ id: 'ns___', v: 'v1' })).toThrow(InvalidInventoryEntryError);
  });
});

describe('staleEntries', () => {
  it('is what the previous inventory has and the next does not, regardless of version', () => {
    const previous = inventoryOf([
      ref('ConfigMap', 'kept', 'ns'),
      ref('ConfigMap', 'gone', 'ns'),
      ref('HorizontalPodAutoscaler', 'web', 'ns', 'autoscaling', 'v1'),
    ]);
    const next = inventoryOf([
      ref('ConfigMap', 'kept', 'ns'),
      ref('HorizontalPodAutoscaler', 'web', 'ns', 'autoscaling', 'v2'),
    ]);
    expect(staleEntries(previous, next)).toEqual([{ id: 'ns_gone__ConfigMap', v: 'v1' }]);
    expect(inInventory(next, ref('ConfigMap', 'kept', 'ns'))).toBe(true);
    expect(inInventory(next, ref('ConfigMap', 'gone', 'ns'))).toBe(false);
  });

  it('inventoryOf sorts and removes duplicates', () => {
    const entries = inventoryOf([
      ref('ConfigMap', 'b', 'ns'),
      ref('ConfigMap', 'a', 'ns'),
      ref('ConfigMap', 'b', 'ns'),
    ]);
    expect(entries.map((e) => e.id)).toEqual(['ns_a__ConfigMap', 'ns_b__ConfigMap']);
  });

  it('can be kept behind the InventoryStore interface', async () => {
    const store = new MemoryInventoryStore();
    await store.save(inventoryOf([ref('ConfigMap', 'a', 'ns')]));
    expect(await store.load()).toEqual([{ id: 'ns_a__ConfigMap', v: 'v1' }]);
  });
});

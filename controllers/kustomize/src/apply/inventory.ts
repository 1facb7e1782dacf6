// The inventory: which objects a Kustomization applied, in Flux's format, so the next
// reconcile can prune what is gone. An entry's id is `<namespace>_<name>_<group>_<kind>`
// (cli-utils ObjMetadata; a `:` in a name, as RBAC names have, is written `__`) and its version
// is kept apart, so a version bump does not make an object stale.
import { InvalidInventoryEntryError } from './errors.js';
import { type ObjectRef, sameObject } from './objects.js';

/** One inventory entry, as Flux stores it in `status.inventory.entries`. */
export interface InventoryEntry {
  /** `<namespace>_<name>_<group>_<kind>`. */
  id: string;
  /** The apiVersion's version part, e.g. `v1`. */
  v: string;
}

/** Where an inventory is kept (the Kustomization's status, a ConfigMap, memory for tests). */
export interface InventoryStore {
  load(): Promise<InventoryEntry[]>;
  save(entries: readonly InventoryEntry[]): Promise<void>;
}

/** An inventory kept in memory. */
export class MemoryInventoryStore implements InventoryStore {
  private entries: InventoryEntry[];
  constructor(entries: readonly InventoryEntry[] = []) {
    this.entries = [...entries];
  }
  async load(): Promise<InventoryEntry[]> {
    return [...this.entries];
  }
  async save(entries: readonly InventoryEntry[]): Promise<void> {
    this.entries = [...entries];
  }
}

export function entryId(ref: Pick<ObjectRef, 'namespace' | 'name' | 'group' | 'kind'>): string {
  return [ref.namespace, ref.name.replaceAll(':', '__'), ref.group, ref.kind].join('_');
}

export function entryOf(ref: ObjectRef): InventoryEntry {
  return { id: entryId(ref), v: ref.version };
}

/** The object an entry stands for. Throws InvalidInventoryEntryError for a malformed id. */
export function parseEntry(entry: InventoryEntry): ObjectRef {
  const parts = entry.id.split('_');
  // namespace, name (may contain `__`), group, kind: at least four parts.
  if (parts.length < 4) throw new InvalidInventoryEntryError(entry.id);
  const namespace = parts[0] ?? '';
  const kind = parts[parts.length - 1] ?? '';
  const group = parts[parts.length - 2] ?? '';
  const name = parts.slice(1, -2).join('_').replaceAll('__', ':');
  if (!name || !kind) throw new InvalidInventoryEntryError(entry.id);
  return { namespace, name, group, kind, version: entry.v };
}

/** A sorted, duplicate-free inventory of the given objects. */
export function inventoryOf(refs: readonly ObjectRef[]): InventoryEntry[] {
  const byId = new Map<string, InventoryEntry>();
  for (const ref of refs) byId.set(entryId(ref), entryOf(ref));
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Entries of `previous` that are not in `next` (compared by id, not version): to prune. */
export function staleEntries(
  previous: readonly InventoryEntry[],
  next: readonly InventoryEntry[],
): InventoryEntry[] {
  const keep = new Set(next.map((e) => e.id));
  return previous.filter((e) => !keep.has(e.id));
}

/** Whether `ref` is in the inventory. */
export function inInventory(entries: readonly InventoryEntry[], ref: ObjectRef): boolean {
  return entries.some((e) => {
    try {
      return sameObject(parseEntry(e), ref);
    } catch {
      return false;
    }
  });
}

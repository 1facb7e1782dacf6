// Flux's inventory ids, <namespace>_<name>_<group>_<kind>, with ':' in a name written '__'.

export interface InventoryRef {
  namespace: string;
  name: string;
  group: string;
  kind: string;
  version: string;
}

export function parseInventoryId(id: string, version: string): InventoryRef {
  const parts = id.split('_');
  if (parts.length < 4) throw new Error(`"${id}" is not an inventory id`);
  const namespace = parts[0] as string;
  const kind = parts[parts.length - 1] as string;
  const group = parts[parts.length - 2] as string;
  const name = parts.slice(1, -2).join('_').replaceAll('__', ':');
  return { namespace, name, group, kind, version };
}

export const apiVersionOf = (r: Pick<InventoryRef, 'group' | 'version'>) =>
  r.group ? `${r.group}/${r.version}` : r.version;

export interface TreeNode {
  ref: InventoryRef;
  /** A note shown after the name, e.g. "not found" or "cycle". */
  note?: string;
  children: TreeNode[];
}

const label = (n: TreeNode) =>
  `${n.ref.kind}/${n.ref.namespace ? `${n.ref.namespace}/` : ''}${n.ref.name}${n.note ? ` (${n.note})` : ''}`;

export function renderTree(root: TreeNode): string {
  const lines = [label(root)];
  const walk = (nodes: TreeNode[], prefix: string) => {
    nodes.forEach((n, i) => {
      const last = i === nodes.length - 1;
      lines.push(`${prefix}${last ? '└── ' : '├── '}${label(n)}`);
      walk(n.children, `${prefix}${last ? '    ' : '│   '}`);
    });
  };
  walk(root.children, '');
  return lines.join('\n');
}

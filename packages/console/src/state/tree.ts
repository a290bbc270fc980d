import type { ClientView, ObjectModelJson, ResourceModelJson } from '../api/types.js';

/** A node of a device's object tree: an object, an instance or a resource. */
export interface TreeNode {
  readonly path: string;
  readonly object: number;
  readonly instance?: number;
  readonly resource?: number;
  readonly label: string;
  readonly detail: string;
  readonly children: readonly TreeNode[];
}

/** The object tree from the registration's object links, named and typed by the object models. */
export function buildTree(client: ClientView | undefined, models: ReadonlyMap<number, ObjectModelJson> | undefined): TreeNode[] {
  if (!client) return [];
  const objects = new Map<number, Set<number>>();
  for (const link of client.objectLinks) {
    const [o, i] = link.path.split('/').filter(Boolean).map(Number);
    if (o === undefined || Number.isNaN(o)) continue;
    const set = objects.get(o) ?? new Set<number>();
    if (i !== undefined && !Number.isNaN(i)) set.add(i);
    objects.set(o, set);
  }
  const resourceNodes = (o: number, i: number, rs: readonly ResourceModelJson[]): TreeNode[] =>
    rs.map((r) => ({ path: `/${o}/${i}/${r.id}`, object: o, instance: i, resource: r.id, label: `${r.id} ${r.name}`, detail: `${r.type}${r.units ? `, ${r.units}` : ''}, ${r.operations || 'bootstrap only'}`, children: [] }));
  return [...objects.entries()]
    .sort(([a], [b]) => a - b)
    .map(([o, instances]) => {
      const m = models?.get(o);
      return {
        path: `/${o}`,
        object: o,
        label: `${o} ${m?.name ?? '(no model)'}`,
        detail: m ? `v${m.version}` : 'unknown object',
        children: [...instances].sort((a, b) => a - b).map((i) => ({ path: `/${o}/${i}`, object: o, instance: i, label: `Instance ${i}`, detail: '', children: m ? resourceNodes(o, i, m.resources) : [] })),
      };
    });
}

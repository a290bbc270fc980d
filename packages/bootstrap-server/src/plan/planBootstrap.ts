import type { BootstrapConfig } from '@chainm2m/lwm2m';
import { securityResources, serverResources, type WritableResource } from '../payload/BootstrapResources.js';
import { bootstrapAccountIds, type ClientLayout } from './clientLayout.js';

export type PlanStep =
  | { readonly kind: 'discover'; readonly path: string }
  | { readonly kind: 'delete'; readonly path: string }
  | { readonly kind: 'write'; readonly objectId: 0 | 1; readonly instanceId: number; readonly resources: readonly WritableResource[] }
  | { readonly kind: 'finish' };

/** Lowest id not in `used`, `preferred` first. */
function pickId(preferred: number, used: ReadonlySet<number>): number {
  if (!used.has(preferred)) return preferred;
  let id = 0;
  while (used.has(id)) id += 1;
  return id;
}

function instanceOf(path: string, objectId: number): number | 'all' | undefined {
  if (path === '/' || path === '') return 'all';
  const m = /^\/(\d+)(?:\/(\d+))?$/.exec(path);
  if (!m || Number(m[1]) !== objectId) return undefined;
  return m[2] === undefined ? 'all' : Number(m[2]);
}

/**
 * The deletes and writes of a session once the client's layout is known (or not: `layout`
 * undefined when the client did not answer Bootstrap-Discover, then the configuration's ids are
 * used as they are).
 *
 * With a layout: the client's bootstrap account (a Security instance listed without `ssid`) is kept
 * wherever it is: no Delete names it, nothing is written over it, and the configuration's bootstrap
 * account is not written at all (the client authenticated with it, so it holds the same key). The
 * LwM2M server accounts go to the configuration's ids when they are free after the deletes, else to
 * the lowest free ids.
 */
export function planBootstrap(config: BootstrapConfig, layout: ClientLayout | undefined): PlanStep[] {
  const bootstrapUris = config.security.filter((s) => s.bootstrapServer).map((s) => s.serverUri);
  const keep = new Set(layout ? bootstrapAccountIds(layout, bootstrapUris) : []);
  const deletes = config.toDelete.filter((p) => {
    const i = instanceOf(p, 0);
    return !(typeof i === 'number' && keep.has(i));
  });
  const steps: PlanStep[] = deletes.map((path) => ({ kind: 'delete' as const, path }));
  if (!layout) {
    for (const s of config.security) steps.push({ kind: 'write', objectId: 0, instanceId: s.instanceId, resources: securityResources(s) });
    for (const s of config.servers) steps.push({ kind: 'write', objectId: 1, instanceId: s.instanceId, resources: serverResources(s) });
    steps.push({ kind: 'finish' });
    return steps;
  }
  // Instances still there after the deletes.
  const survive = (ids: readonly number[], objectId: number, protectedIds: ReadonlySet<number>): Set<number> => {
    const left = new Set(ids);
    for (const p of deletes) {
      const i = instanceOf(p, objectId);
      if (i === 'all') for (const id of [...left]) if (!protectedIds.has(id)) left.delete(id);
      if (typeof i === 'number' && !protectedIds.has(i)) left.delete(i);
    }
    return left;
  };
  const usedSecurity = survive(layout.security.map((s) => s.id), 0, keep);
  const usedServer = survive(layout.servers.map((s) => s.id), 1, new Set());
  for (const s of config.security) {
    if (s.bootstrapServer && keep.size > 0) continue;
    const id = pickId(s.instanceId, usedSecurity);
    usedSecurity.add(id);
    steps.push({ kind: 'write', objectId: 0, instanceId: id, resources: securityResources({ ...s, instanceId: id }) });
  }
  for (const s of config.servers) {
    const id = pickId(s.instanceId, usedServer);
    usedServer.add(id);
    steps.push({ kind: 'write', objectId: 1, instanceId: id, resources: serverResources({ ...s, instanceId: id }) });
  }
  steps.push({ kind: 'finish' });
  return steps;
}

import type { Decoded } from '../codec/simCodec.js';
import type { SimEntry, SimObjectTree, SimValue } from '../model/SimObjectTree.js';

/**
 * Applies decoded entries to the tree. `replace` replaces multiple resources as a whole (Write
 * replace); otherwise their instances are merged (partial update). Instances named by the payload
 * are created when missing.
 */
export function applyWrites(tree: SimObjectTree, decoded: Decoded, replace: boolean): void {
  for (const { objectId, instanceId } of decoded.instances) {
    if (!tree.hasInstance(objectId, instanceId)) tree.createInstance(objectId, instanceId);
  }
  const multi = new Map<string, { e: SimEntry; values: Map<number, SimValue> }>();
  for (const e of decoded.entries) {
    if (!tree.hasInstance(e.objectId, e.instanceId)) tree.createInstance(e.objectId, e.instanceId);
    if (e.resourceInstanceId === undefined) {
      tree.set(e.objectId, e.instanceId, e.resourceId, e.value);
      continue;
    }
    const k = `${e.objectId}/${e.instanceId}/${e.resourceId}`;
    let m = multi.get(k);
    if (!m) {
      const cur = tree.get(e.objectId, e.instanceId, e.resourceId);
      const base = !replace && cur instanceof Map ? new Map(cur) : new Map<number, SimValue>();
      multi.set(k, (m = { e, values: base }));
    }
    m.values.set(e.resourceInstanceId, e.value);
  }
  for (const { e, values } of multi.values()) tree.set(e.objectId, e.instanceId, e.resourceId, values);
}

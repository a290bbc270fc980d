import type { RegisteredObjectLink } from '@chainm2m/lwm2m';
import type { SimObjectTree } from '../model/SimObjectTree.js';
import { formatAttributes, type NotificationAttributes } from './attributes.js';

/**
 * The object links of the registration payload (object 0 left out): `</1>;ver=1.1` for an object
 * of another version than 1.0, `</3303>` for one without instances, then `</1/0>`, `</3/0>`, ...
 */
export function registrationObjectLinks(tree: SimObjectTree): RegisteredObjectLink[] {
  const links: RegisteredObjectLink[] = [];
  for (const oid of tree.objectIds()) {
    if (oid === 0) continue;
    const ver = tree.def(oid)?.version;
    const ids = tree.instanceIds(oid);
    if (ver && ver !== '1.0') links.push({ path: `/${oid}`, objectId: oid, version: ver });
    else if (ids.length === 0) links.push({ path: `/${oid}`, objectId: oid });
    for (const iid of ids) links.push({ path: `/${oid}/${iid}`, objectId: oid, instanceId: iid });
  }
  return links;
}

export type AttributeLookup = (path: string) => NotificationAttributes | undefined;

/** Discover (LwM2M 1.1 §5.4.2) on an object, instance or resource path. */
export function discoverLinks(tree: SimObjectTree, ids: readonly number[], attrs: AttributeLookup): string {
  const [oid, iid, rid] = ids;
  if (oid === undefined) return '';
  const out: string[] = [];
  const resourceLinks = (o: number, i: number, only?: number): void => {
    for (const r of only === undefined ? tree.resourceIds(o, i) : [only]) {
      const p = `/${o}/${i}/${r}`;
      const v = tree.get(o, i, r);
      const dim = v instanceof Map ? `;dim=${v.size}` : '';
      out.push(`<${p}>${dim}${formatAttributes(attrs(p))}`);
      if (only !== undefined && v instanceof Map) for (const ri of [...v.keys()].sort((a, b) => a - b)) out.push(`<${p}/${ri}>`);
    }
  };
  if (iid === undefined) {
    const ver = tree.def(oid)?.version;
    out.push(`</${oid}>${ver && ver !== '1.0' ? `;ver=${ver}` : ''}${formatAttributes(attrs(`/${oid}`))}`);
    for (const i of tree.instanceIds(oid)) {
      out.push(`</${oid}/${i}>${formatAttributes(attrs(`/${oid}/${i}`))}`);
      resourceLinks(oid, i);
    }
  } else if (rid === undefined) {
    out.push(`</${oid}/${iid}>${formatAttributes(attrs(`/${oid}/${iid}`))}`);
    resourceLinks(oid, iid);
  } else {
    resourceLinks(oid, iid, rid);
  }
  return out.join(',');
}

/**
 * Bootstrap-Discover (LwM2M 1.1 §5.2.7.1): `</>;lwm2m=1.1,</0/0>;uri="..",</0/1>;ssid=101;uri="..",</1/0>;ssid=101,...`;
 * a 1.0 device starts with a bare `lwm2m="1.0"` (LwM2M 1.0's form, as Anjay sends it) and lists no `uri`.
 */
export function bootstrapDiscoverLinks(tree: SimObjectTree, objectId?: number, version: '1.0' | '1.1' = '1.1'): string {
  const out = [version === '1.0' ? 'lwm2m="1.0"' : '</>;lwm2m=1.1'];
  for (const oid of objectId === undefined ? tree.objectIds() : [objectId]) {
    const ids = tree.instanceIds(oid);
    const ver = tree.def(oid)?.version;
    if (ids.length === 0 || (ver && ver !== '1.0')) out.push(`</${oid}>${ver && ver !== '1.0' ? `;ver=${ver}` : ''}`);
    for (const iid of ids) {
      let attrs = '';
      if (oid === 0) {
        const ssid = tree.get(0, iid, 10);
        const uri = tree.get(0, iid, 0);
        if (typeof ssid === 'number' && tree.get(0, iid, 1) !== true) attrs += `;ssid=${ssid}`;
        if (typeof uri === 'string' && version !== '1.0') attrs += `;uri="${uri}"`;
      } else if (oid === 1) {
        const ssid = tree.get(1, iid, 0);
        if (typeof ssid === 'number') attrs += `;ssid=${ssid}`;
      }
      out.push(`</${oid}/${iid}>${attrs}`);
    }
  }
  return out.join(',');
}

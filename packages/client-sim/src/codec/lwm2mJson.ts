/** The LwM2M JSON format (11543, LwM2M 1.0 §6.4.4): `{"bn":"/3/0/","e":[{"n":"0","sv":".."}]}`. */
import { isObjectLink, type SimEntry, type SimValue } from '../model/SimObjectTree.js';
import { bad, coerce, formatObjectLink, parseObjectLink } from './values.js';
import type { TypeOf } from './tlv.js';
import type { Decoded } from './senml.js';

export function encodeLwm2mJson(entries: readonly SimEntry[], base: readonly number[]): Uint8Array {
  const bn = base.length === 0 ? '/' : '/' + base.join('/') + '/';
  const e = entries.map((x) => {
    const full = [x.objectId, x.instanceId, x.resourceId, x.resourceInstanceId].filter((i) => i !== undefined).join('/');
    const n = full.slice(bn.length - 1);
    const v: SimValue = x.value;
    const rec: Record<string, unknown> = n === '' ? {} : { n };
    if (v instanceof Uint8Array) rec.sv = Buffer.from(v).toString('base64');
    else if (isObjectLink(v)) rec.ov = formatObjectLink(v);
    else if (typeof v === 'boolean') rec.bv = v;
    else if (typeof v === 'number') rec.v = v;
    else rec.sv = v;
    return rec;
  });
  return new TextEncoder().encode(JSON.stringify({ bn, e }));
}

export function decodeLwm2mJson(bytes: Uint8Array, base: readonly number[], typeOf: TypeOf): Decoded {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw bad('invalid JSON', { cause: String(cause) });
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as { e?: unknown }).e)) {
    throw bad('LwM2M JSON needs an "e" array');
  }
  const { bn, e } = parsed as { bn?: unknown; e: unknown[] };
  const prefix = typeof bn === 'string' ? bn : '/' + base.join('/') + '/';
  const entries: SimEntry[] = [];
  const instances: Array<{ objectId: number; instanceId: number }> = [];
  const seen = new Set<string>();
  for (const item of e) {
    if (typeof item !== 'object' || item === null) throw bad('LwM2M JSON entry must be an object');
    const o = item as Record<string, unknown>;
    const name = (prefix.endsWith('/') ? prefix : prefix + '/') + (typeof o.n === 'string' ? o.n : '');
    const ids = name
      .split('/')
      .filter((s) => s !== '')
      .map((s) => {
        if (!/^\d{1,5}$/.test(s)) throw bad('invalid path in LwM2M JSON');
        return Number(s);
      });
    const [objectId, instanceId, resourceId, resourceInstanceId] = ids;
    if (objectId === undefined || instanceId === undefined || resourceId === undefined) throw bad('LwM2M JSON entry must name a resource');
    if (base.some((b, i) => ids[i] !== b)) throw bad('LwM2M JSON name outside the target path');
    let value: SimValue;
    if (typeof o.v === 'number') value = o.v;
    else if (typeof o.bv === 'boolean') value = o.bv;
    else if (typeof o.ov === 'string') value = parseObjectLink(o.ov);
    else if (typeof o.sv === 'string') {
      const type = typeOf(objectId, resourceId);
      value = type === 'opaque' ? new Uint8Array(Buffer.from(o.sv, 'base64')) : o.sv;
    } else throw bad('LwM2M JSON entry without a value');
    const k = `${objectId}/${instanceId}`;
    if (!seen.has(k)) {
      seen.add(k);
      instances.push({ objectId, instanceId });
    }
    entries.push({
      objectId,
      instanceId,
      resourceId,
      ...(resourceInstanceId === undefined ? {} : { resourceInstanceId }),
      value: coerce(value, typeOf(objectId, resourceId)),
    });
  }
  return { entries, instances };
}

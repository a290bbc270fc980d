import type { NodeJson } from '../api/types.js';

/** Numeric values of one path over time, for charts. */
export interface Series {
  readonly t: number[];
  readonly v: number[];
}

const MAX_POINTS = 2000;

/** Every numeric resource value inside a node, by full path (`/3303/0/5700`). */
export function numericValues(path: string, node: unknown): [string, number][] {
  const out: [string, number][] = [];
  const walk = (base: string, n: NodeJson): void => {
    switch (n.kind) {
      case 'singleResource':
      case 'resourceInstance':
        if (typeof n.value === 'number') out.push([base, n.value]);
        break;
      case 'multipleResource':
        for (const [id, v] of Object.entries(n.values)) if (typeof v === 'number') out.push([`${base}/${id}`, v]);
        break;
      case 'objectInstance':
        for (const r of n.resources) walk(`${base}/${r.id}`, r);
        break;
      case 'object':
        for (const i of n.instances) walk(`${base}/${i.id}`, i);
        break;
    }
  };
  if (node && typeof node === 'object' && 'kind' in node) walk(path, node as NodeJson);
  return out;
}

/** Appends a point (seconds, value), keeping the last MAX_POINTS. */
export function appendPoint(s: Series | undefined, t: number, v: number): Series {
  const next = { t: [...(s?.t ?? []), t], v: [...(s?.v ?? []), v] };
  if (next.t.length > MAX_POINTS) {
    next.t.splice(0, next.t.length - MAX_POINTS);
    next.v.splice(0, next.v.length - MAX_POINTS);
  }
  return next;
}

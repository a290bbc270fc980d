/** Write-Attributes (LwM2M 1.1 §5.4.4): pmin, pmax, gt, lt, st (and epmin/epmax, stored only). */
export interface NotificationAttributes {
  pmin?: number;
  pmax?: number;
  gt?: number;
  lt?: number;
  st?: number;
  epmin?: number;
  epmax?: number;
}

const NAMES = ['pmin', 'pmax', 'gt', 'lt', 'st', 'epmin', 'epmax'] as const;
type AttrName = (typeof NAMES)[number];
const INTEGER: ReadonlySet<AttrName> = new Set(['pmin', 'pmax', 'epmin', 'epmax']);

/**
 * Parses Uri-Query values into changes: a number sets, a bare name (`pmin`) removes. Returns
 * `undefined` when a query is not a valid attribute.
 */
export function parseAttributeQuery(query: readonly string[]): Map<AttrName, number | undefined> | undefined {
  const out = new Map<AttrName, number | undefined>();
  for (const q of query) {
    const eq = q.indexOf('=');
    const name = (eq < 0 ? q : q.slice(0, eq)) as AttrName;
    if (!NAMES.includes(name)) return undefined;
    if (eq < 0) {
      out.set(name, undefined);
      continue;
    }
    const text = q.slice(eq + 1);
    const n = Number(text);
    if (text === '' || !Number.isFinite(n)) return undefined;
    if (INTEGER.has(name) && (!Number.isInteger(n) || n < 0)) return undefined;
    if (name === 'st' && n < 0) return undefined;
    out.set(name, n);
  }
  return out;
}

export function applyAttributeChanges(
  current: NotificationAttributes | undefined,
  changes: ReadonlyMap<AttrName, number | undefined>,
): NotificationAttributes | undefined {
  const next: NotificationAttributes = { ...current };
  for (const [k, v] of changes) {
    if (v === undefined) delete next[k];
    else next[k] = v;
  }
  return Object.keys(next).length === 0 ? undefined : next;
}

/** `;pmin=10;pmax=60` */
export function formatAttributes(a: NotificationAttributes | undefined): string {
  if (!a) return '';
  return NAMES.filter((n) => a[n] !== undefined)
    .map((n) => `;${n}=${a[n]}`)
    .join('');
}

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

import type { RegisteredObjectLink, Registration, TransportAddress } from '@chainm2m/lwm2m';

/**
 * Shares equal strings and equal object-link lists between registrations so that 100,000
 * registrations of similar devices cost little heap: devices of one model announce the same
 * `</1/0>,</3/0>,...` list, and that list is kept once. Bounded: when a table is full it is
 * cleared (registrations already stored keep their shared values).
 */
export class Interner {
  private readonly strings = new Map<string, string>();
  private readonly linkLists = new Map<string, readonly RegisteredObjectLink[]>();
  private readonly interned = new WeakSet<object>();
  private readonly formatLists = new Map<string, readonly number[]>();

  constructor(private readonly maxEntries = 4096) {}

  str(s: string): string {
    const hit = this.strings.get(s);
    if (hit !== undefined) return hit;
    if (this.strings.size >= this.maxEntries) this.strings.clear();
    // Flatten (a sliced or concatenated string would keep its parent alive).
    const flat = (' ' + s).slice(1);
    this.strings.set(flat, flat);
    return flat;
  }

  links(list: readonly RegisteredObjectLink[]): readonly RegisteredObjectLink[] {
    if (this.interned.has(list)) return list;
    const key = JSON.stringify(list);
    const hit = this.linkLists.get(key);
    if (hit) return hit;
    if (this.linkLists.size >= this.maxEntries) this.linkLists.clear();
    const frozen = Object.freeze(
      list.map((l) => {
        const link: { -readonly [K in keyof RegisteredObjectLink]: RegisteredObjectLink[K] } = { path: this.str(l.path), objectId: l.objectId };
        if (l.instanceId !== undefined) link.instanceId = l.instanceId;
        if (l.version !== undefined) link.version = this.str(l.version);
        if (l.attributes !== undefined && Object.keys(l.attributes).length > 0) link.attributes = Object.freeze({ ...l.attributes });
        return Object.freeze(link);
      }),
    );
    this.linkLists.set(key, frozen);
    this.interned.add(frozen);
    return frozen;
  }

  formats(list: readonly number[] | undefined): readonly number[] | undefined {
    if (list === undefined) return undefined;
    if (this.interned.has(list)) return list;
    const key = list.join(',');
    const hit = this.formatLists.get(key);
    if (hit) return hit;
    if (this.formatLists.size >= this.maxEntries) this.formatLists.clear();
    const frozen = Object.freeze([...list]);
    this.formatLists.set(key, frozen);
    this.interned.add(frozen);
    return frozen;
  }

  address(a: TransportAddress): TransportAddress {
    return Object.freeze({ address: this.str(a.address), port: a.port });
  }

  /** A compact, frozen copy of a registration (fields in a fixed order: one hidden class). */
  registration(r: Registration): Registration {
    const out: { -readonly [K in keyof Registration]: Registration[K] } = {
      id: this.str(r.id),
      endpoint: this.str(r.endpoint),
      lifetime: r.lifetime,
      lwm2mVersion: this.str(r.lwm2mVersion),
      binding: this.str(r.binding),
      queueMode: r.queueMode,
      objectLinks: this.links(r.objectLinks),
      rootPath: this.str(r.rootPath),
      address: this.address(r.address),
      registeredAt: r.registeredAt,
      lastUpdateAt: r.lastUpdateAt,
    };
    if (r.smsNumber !== undefined) out.smsNumber = this.str(r.smsNumber);
    const formats = this.formats(r.supportedContentFormats);
    if (formats !== undefined) out.supportedContentFormats = formats;
    if (r.identity !== undefined) out.identity = this.str(r.identity);
    return Object.freeze(out);
  }
}

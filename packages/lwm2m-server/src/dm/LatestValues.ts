import type { Lwm2mNode } from '@chainm2m/lwm2m';

/** The latest value of one resource an endpoint reported (Send). */
export interface LatestValue {
  readonly path: string;
  readonly node: Lwm2mNode;
  /** When the device says the value was measured, Unix ms; absent when it gave no time. */
  readonly time?: number;
  /** When the server received it, Unix ms. */
  readonly receivedAt: number;
}

export interface LatestValuesOptions {
  /** Paths kept per endpoint (oldest dropped first); default 1000. */
  readonly maxPathsPerEndpoint?: number;
  /** Endpoints kept (least recently reporting dropped first); default 100 000. */
  readonly maxEndpoints?: number;
}

/**
 * The latest known value per path and endpoint, from Send: a value replaces an older one of the
 * same path unless it is older by the device's time. Bounded in endpoints and in paths per endpoint.
 */
export class LatestValues {
  private readonly byEndpoint = new Map<string, Map<string, LatestValue>>();
  private readonly maxPaths: number;
  private readonly maxEndpoints: number;

  constructor(opts: LatestValuesOptions = {}) {
    this.maxPaths = opts.maxPathsPerEndpoint ?? 1000;
    this.maxEndpoints = opts.maxEndpoints ?? 100_000;
  }

  /** Records values; returns those that became the latest. */
  record(endpoint: string, values: readonly LatestValue[]): LatestValue[] {
    let m = this.byEndpoint.get(endpoint);
    if (m) this.byEndpoint.delete(endpoint); // re-insert: most recent last
    else m = new Map();
    this.byEndpoint.set(endpoint, m);
    while (this.byEndpoint.size > this.maxEndpoints) this.byEndpoint.delete(this.byEndpoint.keys().next().value as string);
    const taken: LatestValue[] = [];
    for (const v of values) {
      const cur = m.get(v.path);
      if (cur && cur.time !== undefined && v.time !== undefined && v.time < cur.time) continue;
      m.delete(v.path);
      m.set(v.path, v);
      taken.push(v);
    }
    while (m.size > this.maxPaths) m.delete(m.keys().next().value as string);
    return taken;
  }

  /** Latest values of an endpoint, at or below `path` when given, sorted by path. */
  get(endpoint: string, path?: string): LatestValue[] {
    const m = this.byEndpoint.get(endpoint);
    if (!m) return [];
    const prefix = path === undefined || path === '/' ? undefined : path.replace(/\/$/, '');
    const out = [...m.values()].filter((v) => prefix === undefined || v.path === prefix || v.path.startsWith(prefix + '/'));
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  forget(endpoint: string): void {
    this.byEndpoint.delete(endpoint);
  }
}

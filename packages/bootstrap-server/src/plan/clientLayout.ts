import { decodeLinks } from '@chainm2m/lwm2m';

/** One instance of /0 or /1 as the client listed it in its Bootstrap-Discover answer. */
export interface DiscoveredInstance {
  readonly id: number;
  /** `ssid` attribute: absent on the Security instance of the bootstrap account (LwM2M 1.1 §5.2.7.1). */
  readonly ssid?: number;
  /** `uri` attribute (LwM2M 1.1 clients list it on Security instances). */
  readonly uri?: string;
}

/** What a Bootstrap-Discover answer says about the client (LwM2M 1.1 §5.2.7.1). */
export interface ClientLayout {
  /** `lwm2m` attribute of `</>` (`1.0`, `1.1`, `1.2`), when the client gave one. */
  readonly version?: string;
  readonly security: readonly DiscoveredInstance[];
  readonly servers: readonly DiscoveredInstance[];
  /** Objects listed, with their `ver` attribute when given (absent = 1.0). */
  readonly objects: ReadonlyMap<number, string | undefined>;
}

const ID = /^\d{1,5}$/;

function smallInt(v: string | null | undefined): number | undefined {
  if (v === null || v === undefined || !ID.test(v)) return undefined;
  const n = Number(v);
  return n <= 0xffff ? n : undefined;
}

/**
 * Parses a Bootstrap-Discover answer (`</>;lwm2m=1.1,</0/1>;uri="coaps://bs",</0/2>;ssid=101,...`, or
 * LwM2M 1.0's `lwm2m="1.0",</0/0>,</0/1>;ssid=101`).
 * Throws the lwm2m `CodecError` on malformed link format; links that are not LwM2M paths are ignored.
 */
export function parseBootstrapDiscover(payload: Uint8Array): ClientLayout {
  let version: string | undefined;
  // LwM2M 1.0 clients (Anjay with -V 1.0) start with a bare `lwm2m="1.0",` that is no link.
  let body = payload;
  const bare = /^\s*lwm2m\s*=\s*"?(\d+\.\d+)"?\s*(,|$)/.exec(new TextDecoder().decode(payload.subarray(0, 32)));
  if (bare) {
    version = bare[1];
    body = payload.subarray(new TextEncoder().encode(bare[0]).length);
  }
  const links = decodeLinks(body);
  const security: DiscoveredInstance[] = [];
  const servers: DiscoveredInstance[] = [];
  const objects = new Map<number, string | undefined>();
  for (const link of links) {
    const a = link.attributes;
    if (link.uri === '/' || link.uri === '') {
      const v = a['lwm2m'];
      if (typeof v === 'string' && /^\d+\.\d+$/.test(v)) version = v;
      continue;
    }
    const parts = link.uri.replace(/^\//, '').split('/');
    if (parts.length > 2 || !parts.every((p) => ID.test(p))) continue;
    const [oid, iid] = parts.map(Number) as [number, number | undefined];
    if (oid > 0xffff || (iid !== undefined && iid > 0xfffe)) continue;
    if (!objects.has(oid)) objects.set(oid, undefined);
    if (iid === undefined) {
      const ver = a['ver'];
      if (typeof ver === 'string') objects.set(oid, ver);
      continue;
    }
    const ssid = smallInt(a['ssid']);
    const uri = a['uri'];
    const inst: DiscoveredInstance = { id: iid, ...(ssid === undefined ? {} : { ssid }), ...(typeof uri === 'string' ? { uri } : {}) };
    if (oid === 0 && !security.some((s) => s.id === iid)) security.push(inst);
    if (oid === 1 && !servers.some((s) => s.id === iid)) servers.push(inst);
  }
  return { ...(version === undefined ? {} : { version }), security, servers, objects };
}

/**
 * Security instances of the client's bootstrap account(s): listed without `ssid` (LwM2M 1.1
 * §5.2.7.1), or with the `uri` of a bootstrap server we know (a client that lists an `ssid` on its
 * bootstrap account too is still never written over).
 */
export function bootstrapAccountIds(layout: ClientLayout, bootstrapUris: readonly string[] = []): number[] {
  return layout.security.filter((s) => s.ssid === undefined || (s.uri !== undefined && bootstrapUris.includes(s.uri))).map((s) => s.id);
}

/** True for LwM2M 1.0 clients (`lwm2m=1.0`). */
export function isLwm2m10(version: string | undefined): boolean {
  return version === '1.0';
}

/**
 * A minimal LwM2M client for tests: serves Bootstrap-Delete, Bootstrap-Write (SenML-JSON, TLV,
 * text, opaque) and Bootstrap-Finish on objects 0 and 1, and records what it got. Its decoders are
 * written independently of the server's encoders (from the LwM2M TS / RFC 8428 text).
 */
export type Value = string | number | boolean;
/** objectId -> instanceId -> resourceId -> value (opaque as `hex:<hex>`). */
export type ObjectTree = Map<number, Map<number, Map<number, Value>>>;

type ResType = 'string' | 'integer' | 'boolean' | 'opaque';
const MODEL: Record<number, Record<number, ResType>> = {
  0: { 0: 'string', 1: 'boolean', 2: 'integer', 3: 'opaque', 4: 'opaque', 5: 'opaque', 10: 'integer', 11: 'integer', 12: 'integer' },
  1: { 0: 'integer', 1: 'integer', 2: 'integer', 3: 'integer', 5: 'integer', 6: 'boolean', 7: 'string' },
};

const hexOf = (b: Uint8Array): string => `hex:${Buffer.from(b).toString('hex')}`;

function typed(objectId: number, resourceId: number, raw: Uint8Array, how: 'tlv' | 'text'): Value {
  const t = MODEL[objectId]?.[resourceId];
  if (t === undefined) throw new Error(`unknown resource /${objectId}/x/${resourceId}`);
  if (t === 'opaque') return hexOf(raw);
  if (how === 'text') {
    const s = Buffer.from(raw).toString('utf8');
    if (t === 'string') return s;
    if (t === 'boolean') {
      if (s !== '0' && s !== '1') throw new Error('bad boolean');
      return s === '1';
    }
    if (!/^-?\d+$/.test(s)) throw new Error('bad integer');
    return Number(s);
  }
  if (t === 'string') return Buffer.from(raw).toString('utf8');
  if (t === 'boolean') {
    if (raw.length !== 1 || (raw[0] !== 0 && raw[0] !== 1)) throw new Error('bad boolean');
    return raw[0] === 1;
  }
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (raw.length === 1) return dv.getInt8(0);
  if (raw.length === 2) return dv.getInt16(0);
  if (raw.length === 4) return dv.getInt32(0);
  if (raw.length === 8) return Number(dv.getBigInt64(0));
  throw new Error('bad integer length');
}

/** Decodes the TLV payload of a write on `/obj/inst`: Resource TLVs, or one Object Instance TLV around them. */
export function decodeTlv(objectId: number, bytes: Uint8Array): Map<number, Value> {
  const out = new Map<number, Value>();
  let o = 0;
  const readEntry = (): { type: number; id: number; value: Uint8Array } => {
    const t = bytes[o++];
    if (t === undefined) throw new Error('truncated');
    const type = t >> 6;
    const idLen = t & 0x20 ? 2 : 1;
    let id = 0;
    for (let i = 0; i < idLen; i++) id = (id << 8) | (bytes[o++] ?? 0);
    const lenType = (t >> 3) & 3;
    let len = t & 7;
    if (lenType > 0) {
      len = 0;
      for (let i = 0; i < lenType; i++) len = (len << 8) | (bytes[o++] ?? 0);
    }
    if (o + len > bytes.length) throw new Error('truncated');
    const value = bytes.subarray(o, o + len);
    o += len;
    return { type, id, value };
  };
  while (o < bytes.length) {
    const e = readEntry();
    if (e.type === 0b11) out.set(e.id, typed(objectId, e.id, e.value, 'tlv'));
    else if (e.type === 0b00) for (const [k, v] of decodeTlv(objectId, e.value)) out.set(k, v);
    else throw new Error('multiple resources not expected');
  }
  return out;
}

/** Decodes a SenML-JSON write on `/obj/inst` (RFC 8428: bn + n names, v/vs/vb/vd). */
export function decodeSenml(objectId: number, instanceId: number, bytes: Uint8Array): Map<number, Value> {
  const records = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>[];
  if (!Array.isArray(records)) throw new Error('not a SenML array');
  const out = new Map<number, Value>();
  let bn = '';
  for (const r of records) {
    if (typeof r.bn === 'string') bn = r.bn;
    const name = `${bn}${typeof r.n === 'string' ? r.n : ''}`;
    const m = /^\/(\d+)\/(\d+)\/(\d+)$/.exec(name);
    if (!m || Number(m[1]) !== objectId || Number(m[2]) !== instanceId) throw new Error(`bad SenML name ${name}`);
    const rid = Number(m[3]);
    const t = MODEL[objectId]?.[rid];
    if (t === 'string' && typeof r.vs === 'string') out.set(rid, r.vs);
    else if (t === 'boolean' && typeof r.vb === 'boolean') out.set(rid, r.vb);
    else if (t === 'integer' && typeof r.v === 'number') out.set(rid, r.v);
    else if (t === 'opaque' && typeof r.vd === 'string') out.set(rid, hexOf(Buffer.from(r.vd, 'base64url')));
    else throw new Error(`bad SenML record for /${objectId}/${instanceId}/${rid}`);
  }
  return out;
}

export interface MiniDeviceRequest {
  readonly method: string;
  readonly path: readonly string[];
  readonly contentFormat?: number;
  readonly accept?: number;
  readonly payload: Uint8Array;
}

export interface MiniDeviceOptions {
  /** Answer writes in these content formats with `rejectCode` (default 4.15). */
  readonly rejectFormats?: readonly number[];
  readonly rejectCode?: string;
  /** Never answer (the handler never resolves). */
  readonly silent?: boolean;
  /** Security instance id of the factory bootstrap account (default 0). */
  readonly bootstrapInstanceId?: number;
  /** `lwm2m` attribute of the Bootstrap-Discover answer (default 1.1); `null`: Discover answered 4.05 (not implemented). */
  readonly version?: string | null;
}

/** The device's LwM2M side; plug `handle` into a CoapEndpoint as its request handler. */
export class MiniDevice {
  readonly objects: ObjectTree = new Map([
    [0, new Map()],
    [1, new Map()],
  ]);
  readonly received: { method: string; path: string; contentFormat?: number }[] = [];
  finishedCount = 0;
  private finishWaiters: (() => void)[] = [];

  constructor(
    bootstrapAccount: { serverUri: string; identity: string; key: Uint8Array },
    private readonly opts: MiniDeviceOptions = {},
  ) {
    this.objects.get(0)?.set(
      opts.bootstrapInstanceId ?? 0,
      new Map<number, Value>([
        [0, bootstrapAccount.serverUri],
        [1, true],
        [2, 0],
        [3, hexOf(new TextEncoder().encode(bootstrapAccount.identity))],
        [5, hexOf(bootstrapAccount.key)],
      ]),
    );
  }

  /** Resolves at the next Bootstrap-Finish. */
  whenFinished(): Promise<void> {
    return new Promise((r) => this.finishWaiters.push(r));
  }

  handle = async (req: MiniDeviceRequest): Promise<{ code: string; payload?: Uint8Array; contentFormat?: number }> => {
    const path = `/${req.path.join('/')}`;
    this.received.push({ method: req.method, path, ...(req.contentFormat === undefined ? {} : { contentFormat: req.contentFormat }) });
    if (this.opts.silent) return new Promise(() => undefined);
    const ids = req.path.map(Number);
    if (ids.some((n) => !Number.isInteger(n) || n < 0) && path !== '/bs') return { code: '4.04' };
    if (req.method === 'POST' && path === '/bs') {
      this.finishedCount += 1;
      for (const w of this.finishWaiters.splice(0)) w();
      return { code: '2.04' };
    }
    if (req.method === 'GET' && req.accept === 40) return this.discover(ids);
    const [objectId, instanceId, resourceId] = ids;
    const obj = objectId === undefined ? undefined : this.objects.get(objectId);
    if (!obj || objectId === undefined) return { code: '4.04' };
    if (req.method === 'DELETE') {
      if (instanceId !== undefined) return { code: '4.05' };
      for (const [iid, inst] of obj) if (!(objectId === 0 && inst.get(1) === true)) obj.delete(iid);
      return { code: '2.02' };
    }
    if (req.method !== 'PUT' || instanceId === undefined) return { code: '4.05' };
    if (req.contentFormat !== undefined && this.opts.rejectFormats?.includes(req.contentFormat)) return { code: this.opts.rejectCode ?? '4.15' };
    try {
      let values: Map<number, Value>;
      if (resourceId !== undefined) {
        if (req.contentFormat !== 0 && req.contentFormat !== 42) return { code: '4.15' };
        values = new Map([[resourceId, typed(objectId, resourceId, req.payload, 'text')]]);
      } else if (req.contentFormat === 11542) values = decodeTlv(objectId, req.payload);
      else if (req.contentFormat === 110) values = decodeSenml(objectId, instanceId, req.payload);
      else return { code: '4.15' };
      // Bootstrap-Write creates the instance when needed and merges the resources.
      const inst = obj.get(instanceId) ?? new Map<number, Value>();
      for (const [k, v] of values) inst.set(k, v);
      obj.set(instanceId, inst);
      return { code: '2.04' };
    } catch {
      return { code: '4.00' };
    }
  };

  /** Bootstrap-Discover (LwM2M 1.1 §5.2.7.1): `ssid` on server accounts, `uri` on Security instances. */
  private discover(ids: number[]): { code: string; payload?: Uint8Array; contentFormat?: number } {
    if (this.opts.version === null) return { code: '4.05' };
    if (ids.length > 1) return { code: '4.00' };
    const links = [`</>;lwm2m=${this.opts.version ?? '1.1'}`];
    for (const [oid, insts] of this.objects) {
      if (ids[0] !== undefined && ids[0] !== oid) continue;
      if (insts.size === 0) links.push(`</${oid}>`);
      for (const [iid, res] of [...insts].sort((a, b) => a[0] - b[0])) {
        const ssid = oid === 0 ? (res.get(1) === true ? undefined : res.get(10)) : res.get(0);
        const uri = oid === 0 ? res.get(0) : undefined;
        links.push(`</${oid}/${iid}>${ssid === undefined ? '' : `;ssid=${String(ssid)}`}${uri === undefined ? '' : `;uri="${String(uri)}"`}`);
      }
    }
    return { code: '2.05', contentFormat: 40, payload: new TextEncoder().encode(links.join(',')) };
  }

  /** The objects as plain data, for `toEqual`. */
  snapshot(): Record<string, Record<string, Value>> {
    const out: Record<string, Record<string, Value>> = {};
    for (const [oid, insts] of this.objects) {
      for (const [iid, res] of insts) out[`/${oid}/${iid}`] = Object.fromEntries([...res].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v]));
    }
    return out;
  }
}

/** What the objects must hold after bootstrapping an endpoint with `bootstrapConfigFromSecurityInfo`. */
export function expectedObjects(info: {
  bootstrap: { serverUri: string; identity: string; key: Uint8Array };
  server: { serverUri: string; identity: string; key: Uint8Array; shortServerId: number; lifetime: number; binding: string };
}): Record<string, Record<string, Value>> {
  const enc = (s: string): string => hexOf(new TextEncoder().encode(s));
  return {
    '/0/0': { 0: info.bootstrap.serverUri, 1: true, 2: 0, 3: enc(info.bootstrap.identity), 5: hexOf(info.bootstrap.key) },
    '/0/1': { 0: info.server.serverUri, 1: false, 2: 0, 3: enc(info.server.identity), 5: hexOf(info.server.key), 10: info.server.shortServerId },
    '/1/0': { 0: info.server.shortServerId, 1: info.server.lifetime, 6: true, 7: info.server.binding },
  };
}

/** Test fixtures shared by this package's tests (not exported from the package). */
import type {
  EditableSecurityStore,
  IdentityMatch,
  PeerAddress,
  SecurityChange,
  SecurityInfo,
  SecurityListener,
  SecurityListPage,
} from '@chainm2m/lwm2m';
import type { InboundCoapRequest } from '../coap/CoapPorts.js';

const enc = new TextEncoder();

/** Printable keys (libcoap's `-k` takes the key as text). */
export function securityInfo(endpoint: string, opts: { serverKey?: string; bootstrapKey?: string } = {}): SecurityInfo {
  return {
    endpoint,
    bootstrap: { serverUri: 'coaps://127.0.0.1:5784', identity: `${endpoint}-bs`, key: enc.encode(opts.bootstrapKey ?? `bs-key-${endpoint}`) },
    server: {
      serverUri: 'coaps://127.0.0.1:5684',
      identity: `${endpoint}-id`,
      key: enc.encode(opts.serverKey ?? `dm-key-${endpoint}`),
      shortServerId: 101,
      lifetime: 300,
      binding: 'U',
    },
    clearance: 1,
    registrar: 'test',
    createdAt: 1,
    updatedAt: 1,
  };
}

/** A small editable security store for unit tests (the lwm2m core's InMemorySecurityStore is the real one). */
export class TestSecurityStore implements EditableSecurityStore {
  private readonly infos = new Map<string, SecurityInfo>();
  private readonly listeners = new Set<SecurityListener>();
  lookups = 0;

  constructor(infos: readonly SecurityInfo[] = []) {
    for (const i of infos) this.infos.set(i.endpoint, i);
  }
  async getByEndpoint(endpoint: string): Promise<SecurityInfo | undefined> {
    this.lookups += 1;
    return this.infos.get(endpoint);
  }
  async getByIdentity(identity: string): Promise<IdentityMatch | undefined> {
    this.lookups += 1;
    for (const info of this.infos.values()) {
      if (info.server.identity === identity) return { info, account: 'server' };
      if (info.bootstrap.identity === identity) return { info, account: 'bootstrap' };
    }
    return undefined;
  }
  async add(info: SecurityInfo): Promise<void> {
    this.infos.set(info.endpoint, info);
    this.fire({ kind: 'added', info });
  }
  async addMany(infos: readonly SecurityInfo[]): Promise<void> {
    for (const i of infos) await this.add(i);
  }
  async update(info: SecurityInfo): Promise<void> {
    const previous = this.infos.get(info.endpoint);
    this.infos.set(info.endpoint, info);
    this.fire({ kind: 'updated', info, previous });
  }
  async remove(endpoint: string, compromised: boolean): Promise<boolean> {
    const previous = this.infos.get(endpoint);
    const had = this.infos.delete(endpoint);
    if (had) this.fire({ kind: 'removed', endpoint, compromised, previous });
    return had;
  }
  async count(): Promise<number> {
    return this.infos.size;
  }
  async list(offset: number, limit: number): Promise<SecurityListPage> {
    return { items: [...this.infos.values()].slice(offset, offset + limit), total: this.infos.size };
  }
  addListener(listener: SecurityListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  private fire(change: SecurityChange): void {
    for (const l of this.listeners) l(change);
  }
}

export const peer1: PeerAddress = { address: '127.0.0.1', port: 40001 };

/** Builds an inbound request as the CoAP endpoint would hand it to a handler. */
export function inbound(
  method: InboundCoapRequest['method'],
  uri: string,
  opts: { payload?: string; identity?: string; peer?: PeerAddress } = {},
): InboundCoapRequest {
  const [path = '', query = ''] = uri.split('?');
  return {
    method,
    path: path.split('/').filter((s) => s.length > 0),
    query: query.length > 0 ? query.split('&') : [],
    payload: enc.encode(opts.payload ?? ''),
    token: new Uint8Array([1, 2]),
    confirmable: true,
    peer: opts.peer ?? peer1,
    security: opts.identity !== undefined ? { pskIdentity: opts.identity, cipherSuite: 'TLS_PSK_WITH_AES_128_CCM_8' } : {},
  };
}

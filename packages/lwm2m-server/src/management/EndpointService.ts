import type { EditableSecurityStore, Random, SecurityInfo } from '@chainm2m/lwm2m';
import { Lwm2mServerError } from '../Lwm2mServerError.js';
import { badField, checkEndpointName, checkIdentity, checkIntRange } from './validation.js';

/** Where devices are sent, and the server-account settings used when a request does not say. */
export interface EndpointDefaults {
  readonly bootstrapServerUri: string;
  readonly serverUri: string;
  readonly shortServerId: number;
  readonly lifetime: number;
  readonly binding: string;
  readonly clearance: number;
}

export interface NewEndpoint {
  readonly endpoint: string;
  /** Server-account PSK; generated (16 random bytes) when absent. */
  readonly psk?: Uint8Array | undefined;
  /** Server-account identity; the endpoint name when absent. */
  readonly identity?: string | undefined;
  readonly bsPsk?: Uint8Array | undefined;
  /** Bootstrap identity; `bs/<endpoint>` when absent. */
  readonly bsIdentity?: string | undefined;
  readonly lifetime?: number | undefined;
  readonly clearance?: number | undefined;
  readonly binding?: string | undefined;
  readonly shortServerId?: number | undefined;
}

/** An endpoint as shown to people and applications: identities but never keys. */
export interface EndpointView {
  readonly endpoint: string;
  readonly bootstrap: { readonly serverUri: string; readonly identity: string };
  readonly server: {
    readonly serverUri: string;
    readonly identity: string;
    readonly shortServerId: number;
    readonly lifetime: number;
    readonly binding: string;
  };
  readonly clearance: number;
  readonly registrar: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** The keys of an endpoint, returned once when created or rotated. */
export interface EndpointSecrets {
  readonly endpoint: string;
  readonly identity: string;
  readonly pskHex: string;
  readonly bsIdentity: string;
  readonly bsPskHex: string;
}

export interface BulkResult {
  readonly created: readonly EndpointSecrets[];
  /** Already present with that name: left as they are, so an import can be re-run. */
  readonly skipped: readonly string[];
  readonly failed: readonly { readonly index: number; readonly endpoint: string; readonly reason: string }[];
}

const BINDING_RE = /^(U|UQ|T|TQ|S|SQ|N|US|UQS|TS|TQS)$/;
const DEFAULT_PSK_BYTES = 16;

export function toEndpointView(info: SecurityInfo): EndpointView {
  return {
    endpoint: info.endpoint,
    bootstrap: { serverUri: info.bootstrap.serverUri, identity: info.bootstrap.identity },
    server: {
      serverUri: info.server.serverUri,
      identity: info.server.identity,
      shortServerId: info.server.shortServerId,
      lifetime: info.server.lifetime,
      binding: info.server.binding,
    },
    clearance: info.clearance,
    registrar: info.registrar,
    createdAt: info.createdAt,
    updatedAt: info.updatedAt,
  };
}

function secretsOf(info: SecurityInfo): EndpointSecrets {
  return {
    endpoint: info.endpoint,
    identity: info.server.identity,
    pskHex: Buffer.from(info.server.key).toString('hex'),
    bsIdentity: info.bootstrap.identity,
    bsPskHex: Buffer.from(info.bootstrap.key).toString('hex'),
  };
}

/**
 * Registers, lists, rotates and removes LwM2M endpoints in the security store (the ClientStore
 * contract in production). The REST API and the CLI both call this.
 */
export class EndpointService {
  constructor(
    private readonly store: EditableSecurityStore,
    private readonly defaults: EndpointDefaults,
    private readonly random: Random,
    private readonly registrar: string,
    private readonly nowSec: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  /** Validates and completes a request into the record to store (keys generated where absent). */
  prepare(input: NewEndpoint): SecurityInfo {
    const endpoint = checkEndpointName(input.endpoint);
    const identity = checkIdentity(input.identity ?? endpoint, 'identity');
    const bsIdentity = checkIdentity(input.bsIdentity ?? `bs/${endpoint}`, 'bsIdentity');
    if (identity === bsIdentity) throw badField('bsIdentity', 'must differ from the server identity');
    const lifetime = checkIntRange(input.lifetime ?? this.defaults.lifetime, 1, 0xffffffff, 'lifetime');
    const clearance = checkIntRange(input.clearance ?? this.defaults.clearance, 0, 255, 'clearance');
    const shortServerId = checkIntRange(input.shortServerId ?? this.defaults.shortServerId, 1, 65534, 'shortServerId');
    const binding = input.binding ?? this.defaults.binding;
    if (!BINDING_RE.test(binding)) throw badField('binding', 'must be an LwM2M binding such as U or UQ');
    const now = this.nowSec();
    return {
      endpoint,
      bootstrap: { serverUri: this.defaults.bootstrapServerUri, identity: bsIdentity, key: input.bsPsk ?? this.random.bytes(DEFAULT_PSK_BYTES) },
      server: {
        serverUri: this.defaults.serverUri,
        identity,
        key: input.psk ?? this.random.bytes(DEFAULT_PSK_BYTES),
        shortServerId,
        lifetime,
        binding,
      },
      clearance,
      registrar: this.registrar,
      createdAt: now,
      updatedAt: now,
    };
  }

  async create(input: NewEndpoint): Promise<EndpointSecrets> {
    const info = this.prepare(input);
    await this.store.add(info);
    return secretsOf(info);
  }

  /**
   * Adds many endpoints in batches of `batchSize` (one transaction each on the chain). Invalid
   * lines and duplicates are reported, the rest still added; endpoints already present are skipped.
   */
  async createMany(inputs: readonly NewEndpoint[], opts: { batchSize?: number; onProgress?: (done: number, total: number) => void } = {}): Promise<BulkResult> {
    const batchSize = opts.batchSize ?? 200;
    const created: EndpointSecrets[] = [];
    const skipped: string[] = [];
    const failed: { index: number; endpoint: string; reason: string }[] = [];
    const ready: { index: number; info: SecurityInfo }[] = [];
    const seen = new Map<string, number>();
    inputs.forEach((input, index) => {
      try {
        const info = this.prepare(input);
        for (const key of [`e:${info.endpoint}`, `i:${info.server.identity}`, `i:${info.bootstrap.identity}`]) {
          const first = seen.get(key);
          if (first !== undefined) throw new Lwm2mServerError('SRV_ENDPOINT_EXISTS', `duplicate of line ${first + 1} in the same import (${key.slice(2)})`);
        }
        for (const key of [`e:${info.endpoint}`, `i:${info.server.identity}`, `i:${info.bootstrap.identity}`]) seen.set(key, index);
        ready.push({ index, info });
      } catch (err) {
        failed.push({ index, endpoint: input.endpoint, reason: errorMessage(err) });
      }
    });
    let done = failed.length;
    opts.onProgress?.(done, inputs.length);
    // One listing instead of a lookup per line: a lookup that misses may cost a chain round trip.
    const existing = await this.existingEndpoints();
    for (let i = 0; i < ready.length; i += batchSize) {
      const chunk = ready.slice(i, i + batchSize);
      const fresh: { index: number; info: SecurityInfo }[] = [];
      for (const item of chunk) {
        if (existing.has(item.info.endpoint)) skipped.push(item.info.endpoint);
        else fresh.push(item);
      }
      try {
        if (fresh.length > 0) await this.store.addMany(fresh.map((f) => f.info));
        created.push(...fresh.map((f) => secretsOf(f.info)));
      } catch {
        // One bad record fails the whole batch: retry one by one to name the culprit(s).
        for (const item of fresh) {
          try {
            await this.store.add(item.info);
            created.push(secretsOf(item.info));
          } catch (err) {
            failed.push({ index: item.index, endpoint: item.info.endpoint, reason: errorMessage(err) });
          }
        }
      }
      done += chunk.length;
      opts.onProgress?.(done, inputs.length);
    }
    failed.sort((a, b) => a.index - b.index);
    return { created, skipped, failed };
  }

  private async existingEndpoints(): Promise<Set<string>> {
    const names = new Set<string>();
    const page = 5_000;
    for (let offset = 0; ; offset += page) {
      const { items, total } = await this.store.list(offset, page);
      for (const info of items) names.add(info.endpoint);
      if (items.length < page || offset + page >= total) return names;
    }
  }

  async get(endpoint: string): Promise<EndpointView> {
    const info = await this.store.getByEndpoint(endpoint);
    if (!info) throw new Lwm2mServerError('SRV_UNKNOWN_ENDPOINT', `unknown endpoint ${endpoint}`, { details: { endpoint } });
    return toEndpointView(info);
  }

  /** The clearance an endpoint requires of callers, or `undefined` when nobody registered it. */
  async clearanceOf(endpoint: string): Promise<number | undefined> {
    return (await this.store.getByEndpoint(endpoint))?.clearance;
  }

  async list(offset: number, limit: number): Promise<{ items: EndpointView[]; total: number }> {
    const page = await this.store.list(offset, limit);
    return { items: page.items.map(toEndpointView), total: page.total };
  }

  /** Replaces both keys (given or generated); identities stay. Returns the new keys, shown once. */
  async rotate(endpoint: string, keys: { psk?: Uint8Array | undefined; bsPsk?: Uint8Array | undefined } = {}): Promise<EndpointSecrets> {
    const info = await this.store.getByEndpoint(endpoint);
    if (!info) throw new Lwm2mServerError('SRV_UNKNOWN_ENDPOINT', `unknown endpoint ${endpoint}`, { details: { endpoint } });
    const next: SecurityInfo = {
      ...info,
      bootstrap: { ...info.bootstrap, key: keys.bsPsk ?? this.random.bytes(DEFAULT_PSK_BYTES) },
      server: { ...info.server, key: keys.psk ?? this.random.bytes(DEFAULT_PSK_BYTES) },
      updatedAt: this.nowSec(),
    };
    await this.store.update(next);
    return secretsOf(next);
  }

  async remove(endpoint: string, compromised: boolean): Promise<void> {
    if (!(await this.store.remove(endpoint, compromised))) {
      throw new Lwm2mServerError('SRV_UNKNOWN_ENDPOINT', `unknown endpoint ${endpoint}`, { details: { endpoint } });
    }
  }

  count(): Promise<number> {
    return this.store.count();
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

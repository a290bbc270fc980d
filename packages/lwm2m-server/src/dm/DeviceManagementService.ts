/**
 * Device Management and Information Reporting (LwM2M 1.1 TS Core §6.3, §6.4; Transport §6.4.4):
 * what the REST API and the CLI call to work with registered devices. Every operation takes the
 * endpoint name, resolves its registration, picks the content format, goes through the queue-mode
 * gate, and maps failures to `Lwm2mServerError` codes (`DEVICE_NOT_REGISTERED`, `DEVICE_TIMEOUT`,
 * `DEVICE_ERROR` with the CoAP code, ...).
 */
import {
  COMPOSITE_FORMATS,
  ContentFormat,
  ObjectRegistry,
  objectInstance,
  parsePath,
  type Clock,
  type CoreLink,
  type DownlinkRequest,
  type Lwm2mNode,
  type Lwm2mPath,
  type Lwm2mResource,
  type NotificationAttributes,
  type Random,
  type Registration,
  type RegistrationStore,
  type ResourceModel,
} from '@chainm2m/lwm2m';
import { isSuccess, type CoapClientPort, type CoapObservationHandle, type DeviceCoapResponse } from '../coap/CoapPorts.js';
import type { Lwm2mServerEvents } from '../events/ServerEvents.js';
import { Lwm2mServerError } from '../Lwm2mServerError.js';
import type { DeviceContent } from './DeviceContent.js';
import { DeviceExchange } from './DeviceExchange.js';
import { multiNodeFormats, readFormats } from './contentFormats.js';
import type { DeviceProvenance } from '../provenance/DeviceProvenance.js';
import { QueueModeGate, type QueueModeOptions } from './QueueModeGate.js';
import { createPlans, writeFormats, writeNode, type CreateContent, type WriteContent } from './writeContent.js';

export type { CreateContent, WriteContent } from './writeContent.js';

export interface OperationOptions {
  /** Overall deadline of the CoAP exchange (default: the service's `requestTimeoutMs`). */
  readonly timeoutMs?: number;
}

export interface ReadOptions extends OperationOptions {
  /** Ask for this content format instead of negotiating one. */
  readonly format?: number;
}

export interface ObservationInfo {
  readonly id: string;
  readonly endpoint: string;
  readonly registrationId: string;
  readonly paths: readonly string[];
  readonly composite: boolean;
  /** Unix ms. */
  readonly createdAt: number;
}

export interface ObserveResult {
  readonly content: DeviceContent;
  /** Absent when the device answered without establishing the observation. */
  readonly observation?: ObservationInfo;
}

export interface WriteOptions extends OperationOptions {
  /** `replace` (PUT, default) or `update` (POST, partial update of an instance). */
  readonly mode?: 'replace' | 'update';
  /** Send in this content format (even one the device did not announce); default negotiated. */
  readonly format?: number;
}

export interface DeviceManagementOptions {
  readonly registrations: RegistrationStore;
  readonly events: Lwm2mServerEvents;
  /** The CoAP endpoint a registration is reachable through (DTLS for identities, plain for NoSec). */
  readonly transportFor: (registration: Registration) => CoapClientPort | undefined;
  readonly clock: Clock;
  readonly random: Random;
  /** Unix ms. */
  readonly wallTime: () => number;
  readonly objects?: ObjectRegistry;
  /** Default overall deadline of one device exchange (default 30 s). */
  readonly requestTimeoutMs?: number;
  readonly queueMode?: QueueModeOptions;
  /** Records every exchange and notification (and may refuse an exchange); none without. */
  readonly provenance?: DeviceProvenance | undefined;
}

interface ObservationEntry {
  readonly info: ObservationInfo;
  readonly handle: CoapObservationHandle;
}

/** Answers that mean "not this format": the next candidate is tried. */
const NEGOTIATION_RETRY_CODES = new Set(['4.06', '4.15']);

/** A write refusal worth retrying in another format: 4.15, 4.06, or a 4.00 that says nothing else. */
function formatRefusal(err: unknown): boolean {
  if (!(err instanceof Lwm2mServerError) || err.code !== 'SRV_DEVICE_ERROR') return false;
  const code = err.coapCode ?? '';
  return NEGOTIATION_RETRY_CODES.has(code) || (code === '4.00' && err.details?.['diagnostic'] === undefined);
}

function negotiationRefusal(err: unknown): boolean {
  return err instanceof Lwm2mServerError && err.code === 'SRV_DEVICE_ERROR' && NEGOTIATION_RETRY_CODES.has(err.coapCode ?? '');
}

/** Tries `attempt` with each candidate (at most three) while `retry` says the refusal was about the format. */
async function firstAccepted<C, T>(candidates: readonly C[], retry: (err: unknown) => boolean, attempt: (c: C) => Promise<T>, none: () => Error): Promise<T> {
  let last: unknown;
  const tried = candidates.slice(0, 3);
  for (const c of tried) {
    try {
      return await attempt(c);
    } catch (err) {
      if (tried.length > 1 && retry(err)) {
        last = err;
        continue;
      }
      throw err;
    }
  }
  throw last ?? none();
}

/**
 * Every request is a typed `DownlinkRequest` of `@chainm2m/lwm2m` (built here, encoded by
 * `toCoapRequest`, answered through `fromCoapResponse` in `DeviceExchange`).
 */
export class DeviceManagementService {
  private readonly objects: ObjectRegistry;
  private readonly gate: QueueModeGate;
  private readonly exchange: DeviceExchange;
  private readonly requestTimeoutMs: number;
  private readonly observationsById = new Map<string, ObservationEntry>();
  private readonly unsubscribe: (() => void)[] = [];
  private closed = false;

  constructor(private readonly opts: DeviceManagementOptions) {
    this.objects = opts.objects ?? new ObjectRegistry();
    this.gate = new QueueModeGate(opts.clock, opts.queueMode);
    this.exchange = new DeviceExchange({ gate: this.gate, transportFor: opts.transportFor, objects: this.objects, provenance: opts.provenance });
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    const ev = opts.events;
    this.unsubscribe.push(
      ev.on('awake', (e) => this.gate.markAwake(e.registration.endpoint)),
      ev.on('deregistered', (e) => this.registrationEnded(e.registration, e.reason === 'replaced')),
      ev.on('expired', (e) => this.registrationEnded(e.registration, false)),
    );
  }

  /** The object definitions values are typed with. */
  get objectRegistry(): ObjectRegistry {
    return this.objects;
  }

  // ---- operations -------------------------------------------------------------------------

  /**
   * Read (GET); content format negotiated unless `opts.format` is given. Some simple clients
   * (lwm2m-node-lib, for one) implement Read on resources only and answer 4.04/4.05 to an instance
   * they registered: such an instance is then read resource by resource (Discover, then one Read
   * per resource) and returned as one instance node.
   */
  async read(endpoint: string, path: string, opts: ReadOptions = {}): Promise<DeviceContent> {
    const reg = await this.registration(endpoint);
    const p = this.path(path, 1);
    const formats = opts.format !== undefined ? [opts.format] : readFormats(reg, this.shape(p));
    try {
      return await firstAccepted(formats, negotiationRefusal, async (format) => {
        const req = { kind: 'read', path: p, format } as const;
        const { response } = await this.exchange.run(reg, req, this.deadline(opts), path);
        return this.exchange.content(req, response);
      }, () => this.noFormat(reg, path));
    } catch (err) {
      const refused = err instanceof Lwm2mServerError && err.code === 'SRV_DEVICE_ERROR' && (err.coapCode === '4.04' || err.coapCode === '4.05');
      if (!refused || p.depth !== 2 || !reg.objectLinks.some((l) => l.path === p.toString())) throw err;
      return this.readInstanceByResources(endpoint, p, opts);
    }
  }

  private async readInstanceByResources(endpoint: string, p: Lwm2mPath, opts: ReadOptions): Promise<DeviceContent> {
    const links = await this.discover(endpoint, p.toString(), opts);
    const resources: Lwm2mResource[] = [];
    for (const link of links) {
      const rp = parsePath(link.uri);
      if (rp.depth !== 3 || !rp.startsWith(p)) continue;
      try {
        const node = (await this.read(endpoint, rp.toString(), opts)).node;
        if (node?.kind === 'singleResource' || node?.kind === 'multipleResource') resources.push(node);
      } catch (err) {
        // A resource the device will not read (write- or execute-only) is left out; anything else fails the read.
        if (!(err instanceof Lwm2mServerError && err.code === 'SRV_DEVICE_ERROR')) throw err;
      }
    }
    return { payload: new Uint8Array(0), node: objectInstance(p.instanceId as number, resources) };
  }

  /** Discover (GET with Accept: link-format); returns the links with their attributes. */
  async discover(endpoint: string, path: string, opts: OperationOptions = {}): Promise<CoreLink[]> {
    const reg = await this.registration(endpoint);
    const { result } = await this.exchange.run(reg, { kind: 'discover', path: this.path(path, 1) }, this.deadline(opts), path);
    if (!result.ok) throw new Lwm2mServerError('SRV_BAD_DEVICE_RESPONSE', 'device sent malformed link-format', { cause: result.error, details: { endpoint, path } });
    return [...result.links];
  }

  /**
   * Write: `replace` (PUT, default) or `update` (POST, partial update of an instance), in
   * `opts.format` when given; otherwise falls back to the next format the device may accept when
   * it refuses one (4.15, 4.06, or a 4.00 without a reason).
   */
  async write(endpoint: string, path: string, content: WriteContent, opts: WriteOptions = {}): Promise<void> {
    const reg = await this.registration(endpoint);
    const p = this.path(path, 2);
    const mode = opts.mode ?? 'replace';
    if (mode === 'update' && p.depth !== 2) throw new Lwm2mServerError('SRV_INVALID_REQUEST', 'partial update targets an object instance', { details: { path } });
    const node = writeNode(this.objects, p, path, content);
    const formats = writeFormats(reg, node, path, opts.format);
    await firstAccepted(formats, formatRefusal, (format) => this.exchange.run(reg, { kind: 'write', path: p, mode, node, format }, this.deadline(opts), path), () => this.noFormat(reg, path));
  }

  /** Write-Composite (iPATCH / with SenML records), LwM2M 1.1 devices only. */
  async writeComposite(endpoint: string, values: readonly { readonly path: string; readonly node: Lwm2mNode }[], opts: ReadOptions = {}): Promise<void> {
    const reg = await this.registration(endpoint);
    const nodes = values.map((v) => ({ path: this.path(v.path, 3), node: v.node }));
    const formats = this.compositeFormats(reg, nodes.length, opts);
    await firstAccepted(formats, negotiationRefusal, (format) => this.exchange.run(reg, { kind: 'write-composite', nodes, format }, this.deadline(opts), '/'), () => this.noFormat(reg, '/'));
  }

  /** Write-Attributes (PUT with query, no payload). `null` removes an attribute. */
  async writeAttributes(endpoint: string, path: string, attributes: NotificationAttributes, opts: OperationOptions = {}): Promise<void> {
    const reg = await this.registration(endpoint);
    const p = this.path(path, 1);
    let count = 0;
    for (const [name, v] of Object.entries(attributes)) {
      if (v === undefined) continue;
      count++;
      if (v !== null && !(typeof v === 'number' && Number.isFinite(v) && (v >= 0 || name === 'gt' || name === 'lt'))) {
        throw new Lwm2mServerError('SRV_INVALID_REQUEST', `invalid attribute ${name}`, { details: { path, attribute: name } });
      }
    }
    if (count === 0) throw new Lwm2mServerError('SRV_INVALID_REQUEST', 'no attribute to write', { details: { path } });
    await this.exchange.run(reg, { kind: 'write-attributes', path: p, attributes }, this.deadline(opts), path);
  }

  /** Execute (POST on a resource) with optional arguments text, e.g. `0='on',1`. */
  async execute(endpoint: string, path: string, opts: OperationOptions & { arguments?: string } = {}): Promise<void> {
    const reg = await this.registration(endpoint);
    const p = this.path(path, 3);
    if (p.depth !== 3) throw new Lwm2mServerError('SRV_INVALID_REQUEST', 'execute targets a resource', { details: { path } });
    const args = opts.arguments ?? '';
    if (!/^[\x20-\x7e]*$/.test(args)) throw new Lwm2mServerError('SRV_INVALID_REQUEST', 'execute arguments must be printable ASCII', { details: { path } });
    await this.exchange.run(reg, { kind: 'execute', path: p, ...(args.length > 0 ? { arguments: args } : {}) }, this.deadline(opts), path);
  }

  /**
   * Create (POST on an object). Without `content.instanceId` the device chooses the id (TLV, whose
   * payload can name no instance); the new instance's path comes back from the Location-Path.
   */
  async create(endpoint: string, objectPath: string, content: CreateContent, opts: ReadOptions = {}): Promise<{ location?: string }> {
    const reg = await this.registration(endpoint);
    const p = this.path(objectPath, 1);
    if (p.depth !== 1) throw new Lwm2mServerError('SRV_INVALID_REQUEST', 'create targets an object', { details: { path: objectPath } });
    const plans = createPlans(reg, p.objectId as number, content, objectPath, opts.format);
    const { result } = await firstAccepted(
      plans,
      formatRefusal,
      (plan) => this.exchange.run(reg, { kind: 'create', path: p, resources: content.resources, format: plan.format, ...(plan.instanceId !== undefined ? { instanceId: plan.instanceId } : {}) }, this.deadline(opts), objectPath),
      () => this.noFormat(reg, objectPath),
    );
    return result.ok && result.location ? { location: result.location.toString() } : {};
  }

  /** Delete (DELETE on an object instance). */
  async delete(endpoint: string, path: string, opts: OperationOptions = {}): Promise<void> {
    const reg = await this.registration(endpoint);
    await this.exchange.run(reg, { kind: 'delete', path: this.path(path, 2) }, this.deadline(opts), path);
  }

  /** Read-Composite (FETCH / with a SenML list of paths), LwM2M 1.1 devices only. */
  async readComposite(endpoint: string, paths: readonly string[], opts: ReadOptions = {}): Promise<DeviceContent> {
    const reg = await this.registration(endpoint);
    const parsed = paths.map((x) => this.path(x, 1));
    const requestFormat = this.pathListFormat(reg, opts);
    return firstAccepted(this.compositeFormats(reg, parsed.length, opts), negotiationRefusal, async (format) => {
      const req = { kind: 'read-composite', paths: parsed, requestFormat, format } as const;
      const { response } = await this.exchange.run(reg, req, this.deadline(opts), '/');
      return this.exchange.content(req, response);
    }, () => this.noFormat(reg, '/'));
  }

  /** Observe (GET with Observe: 0); notifications arrive as `notification` events. */
  async observe(endpoint: string, path: string, opts: ReadOptions = {}): Promise<ObserveResult> {
    const reg = await this.registration(endpoint);
    const p = this.path(path, 1);
    const formats = opts.format !== undefined ? [opts.format] : readFormats(reg, this.shape(p));
    return firstAccepted(formats, negotiationRefusal, (format) => this.startObservation(reg, [path], { kind: 'observe', path: p, format }, opts), () => this.noFormat(reg, path));
  }

  /** Observe-Composite (FETCH / with Observe: 0), LwM2M 1.1 devices only. */
  async observeComposite(endpoint: string, paths: readonly string[], opts: ReadOptions = {}): Promise<ObserveResult> {
    const reg = await this.registration(endpoint);
    const parsed = paths.map((x) => this.path(x, 1));
    const requestFormat = this.pathListFormat(reg, opts);
    return firstAccepted(
      this.compositeFormats(reg, parsed.length, opts),
      negotiationRefusal,
      (format) => this.startObservation(reg, paths, { kind: 'observe-composite', paths: parsed, requestFormat, format }, opts),
      () => this.noFormat(reg, '/'),
    );
  }

  /** Cancel-Observe: passive (default; the next notification gets RST) or active (GET with Observe: 1). */
  async cancelObservation(observationId: string, opts: { active?: boolean } = {}): Promise<void> {
    const entry = this.observationsById.get(observationId);
    if (!entry) throw new Lwm2mServerError('SRV_OBSERVATION_NOT_FOUND', 'unknown observation', { details: { observationId } });
    this.observationsById.delete(observationId);
    try {
      await entry.handle.cancel(opts.active ?? false);
    } catch (err) {
      throw this.exchange.mapError(err, entry.info.endpoint, entry.info.paths.join(','));
    }
  }

  /** Active observations, of one endpoint or of all. */
  observations(endpoint?: string): ObservationInfo[] {
    const out: ObservationInfo[] = [];
    for (const e of this.observationsById.values()) if (endpoint === undefined || e.info.endpoint === endpoint) out.push(e.info);
    return out;
  }

  /** Requests held for a sleeping queue-mode device. */
  pending(endpoint: string): number {
    return this.gate.pending(endpoint);
  }

  /** Cancels observations (passively), rejects held requests, unsubscribes from events. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const u of this.unsubscribe) u();
    for (const e of this.observationsById.values()) void e.handle.cancel(false).catch(() => {});
    this.observationsById.clear();
    this.gate.dropAll(new Lwm2mServerError('SRV_CLOSED', 'server is closing'));
  }

  // ---- internals --------------------------------------------------------------------------

  private registrationEnded(reg: Registration, replaced: boolean): void {
    for (const [id, e] of this.observationsById) {
      if (e.info.registrationId !== reg.id) continue;
      this.observationsById.delete(id);
      void e.handle.cancel(false).catch(() => {});
    }
    // A replaced registration is followed by the new one: held requests wait for it.
    if (!replaced) this.gate.drop(reg.endpoint, new Lwm2mServerError('SRV_DEVICE_NOT_REGISTERED', 'device de-registered', { details: { endpoint: reg.endpoint } }));
  }

  private async registration(endpoint: string): Promise<Registration> {
    if (this.closed) throw new Lwm2mServerError('SRV_CLOSED', 'server is closing');
    const r = await this.opts.registrations.getByEndpoint(endpoint);
    if (!r) throw new Lwm2mServerError('SRV_DEVICE_NOT_REGISTERED', 'endpoint is not registered', { details: { endpoint } });
    return r;
  }

  private path(text: string, minDepth: number): Lwm2mPath {
    let p: Lwm2mPath;
    try {
      p = parsePath(text);
    } catch (cause) {
      throw new Lwm2mServerError('SRV_INVALID_REQUEST', 'invalid LwM2M path', { cause, details: { path: text } });
    }
    if (p.depth < minDepth) throw new Lwm2mServerError('SRV_INVALID_REQUEST', 'path too short for this operation', { details: { path: text } });
    return p;
  }

  private shape(p: Lwm2mPath): { depth: number; resource?: ResourceModel } {
    const resource = this.objects.resourceAt(p);
    return resource ? { depth: p.depth, resource } : { depth: p.depth };
  }

  private deadline(opts: OperationOptions): number {
    return opts.timeoutMs ?? this.requestTimeoutMs;
  }

  private noFormat(reg: Registration, path: string): Lwm2mServerError {
    return new Lwm2mServerError('SRV_UNSUPPORTED_CONTENT_FORMAT', 'no content format to use', { details: { endpoint: reg.endpoint, path } });
  }

  /** SenML formats for a composite operation (explicit, or negotiated); 1.1 devices only. */
  private compositeFormats(reg: Registration, count: number, opts: ReadOptions): number[] {
    if (reg.lwm2mVersion === '1.0') throw new Lwm2mServerError('SRV_NOT_SUPPORTED', 'composite operations need LwM2M 1.1', { details: { endpoint: reg.endpoint } });
    if (count === 0) throw new Lwm2mServerError('SRV_INVALID_REQUEST', 'no path given');
    if (opts.format !== undefined && !COMPOSITE_FORMATS.includes(opts.format)) {
      throw new Lwm2mServerError('SRV_UNSUPPORTED_CONTENT_FORMAT', 'composite operations use SenML-JSON or SenML-CBOR', { details: { endpoint: reg.endpoint, format: opts.format } });
    }
    const formats = opts.format !== undefined ? [opts.format] : multiNodeFormats(reg).filter((f) => COMPOSITE_FORMATS.includes(f));
    if (formats.length === 0) throw new Lwm2mServerError('SRV_UNSUPPORTED_CONTENT_FORMAT', 'composite operations use SenML', { details: { endpoint: reg.endpoint } });
    return formats;
  }

  /** The path list goes in the asked-for format, else SenML-JSON unless the device announced only SenML-CBOR. */
  private pathListFormat(reg: Registration, opts: ReadOptions): number {
    if (opts.format !== undefined && COMPOSITE_FORMATS.includes(opts.format)) return opts.format;
    const announced = reg.supportedContentFormats;
    return announced && !announced.includes(ContentFormat.SenmlJson) && announced.includes(ContentFormat.SenmlCbor) ? ContentFormat.SenmlCbor : ContentFormat.SenmlJson;
  }

  private async startObservation(reg: Registration, paths: readonly string[], req: DownlinkRequest & { kind: 'observe' | 'observe-composite' }, opts: OperationOptions): Promise<ObserveResult> {
    const id = Buffer.from(this.opts.random.bytes(8)).toString('hex');
    const composite = req.kind === 'observe-composite';
    const info: ObservationInfo = { id, endpoint: reg.endpoint, registrationId: reg.id, paths: [...paths], composite, createdAt: this.opts.wallTime() };
    const onNotify = (r: DeviceCoapResponse): void => {
      if (!this.observationsById.has(id)) return;
      this.opts.provenance?.notification({ endpoint: reg.endpoint, observationId: id, path: paths.join(','), code: r.code, payload: r.payload });
      if (!isSuccess(r.code)) {
        this.observationsById.delete(id);
        return;
      }
      this.opts.events.emit('notification', {
        observationId: id,
        endpoint: reg.endpoint,
        registrationId: reg.id,
        paths: info.paths,
        content: this.exchange.content(req, r),
        at: this.opts.wallTime(),
      });
    };
    const where = paths.join(',');
    const handle = await this.exchange.observe(reg, req, this.deadline(opts), where, onNotify, id);
    const res = handle.response;
    if (!isSuccess(res.code)) throw this.exchange.deviceError(res.code, res.payload, reg.endpoint, where);
    const content = this.exchange.content(req, res);
    if (res.observe === undefined) {
      void handle.cancel(false).catch(() => {});
      return { content };
    }
    // The registration may have ended while the request was in flight.
    const still = await this.opts.registrations.getById(reg.id);
    if (!still || this.closed) {
      void handle.cancel(false).catch(() => {});
      return { content };
    }
    this.observationsById.set(id, { info, handle });
    handle.onEnd?.(() => {
      this.observationsById.delete(id);
      this.opts.provenance?.observationEnded(id);
    });
    return { content, observation: info };
  }
}

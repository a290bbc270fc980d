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
  Lwm2mError,
  NODE_FORMATS,
  ObjectRegistry,
  decodeLinks,
  decodeNode,
  decodeNodes,
  encodeCompositePaths,
  encodeNode,
  objectInstance,
  parsePath,
  type Clock,
  type CoreLink,
  type Lwm2mNode,
  type Lwm2mPath,
  type Lwm2mResource,
  type Lwm2mValue,
  type NotificationAttributes,
  type Random,
  type Registration,
  type RegistrationStore,
  type ResourceModel,
} from '@chainm2m/lwm2m';
import { isSuccess, type CoapClientPort, type CoapObservationHandle, type DeviceCoapRequest, type DeviceCoapResponse } from '../coap/CoapPorts.js';
import type { Lwm2mServerEvents } from '../events/ServerEvents.js';
import { Lwm2mServerError } from '../Lwm2mServerError.js';
import { valueNode } from './valueNode.js';
import type { DeviceContent } from './DeviceContent.js';
import { isSingleValue, multiNodeFormats, readFormats } from './contentFormats.js';
import { QueueModeGate, type QueueModeOptions } from './QueueModeGate.js';
import type { DeviceProvenance } from '../provenance/DeviceProvenance.js';

/** A value to write. */
export type WriteContent =
  /**
   * One resource (or resource instance) value, typed by the object model (inferred from the JS
   * value for unknown objects); sent as text, or opaque for opaque resources.
   */
  | { readonly kind: 'value'; readonly value: Lwm2mValue }
  /** An lwm2m core node (instance, resource, ...), encoded in `format` or a format negotiated for the device. */
  | { readonly kind: 'node'; readonly node: Lwm2mNode; readonly format?: number }
  /** Already encoded content. */
  | { readonly kind: 'raw'; readonly contentFormat: number; readonly payload: Uint8Array };

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

/** One operation as data (what a REST handler or a script can pass around). */
export type DeviceRequest =
  | ({ readonly kind: 'read'; readonly path: string } & ReadOptions)
  | ({ readonly kind: 'discover'; readonly path: string } & OperationOptions)
  | ({ readonly kind: 'write'; readonly path: string; readonly content: WriteContent; readonly mode?: 'replace' | 'update' } & OperationOptions)
  | ({ readonly kind: 'write-attributes'; readonly path: string; readonly attributes: NotificationAttributes } & OperationOptions)
  | ({ readonly kind: 'execute'; readonly path: string; readonly arguments?: string } & OperationOptions)
  | ({ readonly kind: 'create'; readonly path: string; readonly content: WriteContent } & OperationOptions)
  | ({ readonly kind: 'delete'; readonly path: string } & OperationOptions)
  | ({ readonly kind: 'read-composite'; readonly paths: readonly string[] } & ReadOptions);

export type DeviceResult =
  | { readonly kind: 'read' | 'read-composite'; readonly content: DeviceContent }
  | { readonly kind: 'discover'; readonly links: readonly CoreLink[] }
  | { readonly kind: 'create'; readonly location?: string }
  | { readonly kind: 'write' | 'write-attributes' | 'execute' | 'delete' };

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

const NEGOTIATION_RETRY_CODES = new Set(['4.06', '4.15']);
const WRITE_RETRY_CODES = new Set(['4.15', '4.06', '4.00']);
const ATTRIBUTE_NAMES = ['pmin', 'pmax', 'gt', 'lt', 'st', 'epmin', 'epmax'] as const;

export class DeviceManagementService {
  private readonly objects: ObjectRegistry;
  private readonly gate: QueueModeGate;
  private readonly requestTimeoutMs: number;
  private readonly observationsById = new Map<string, ObservationEntry>();
  private readonly unsubscribe: (() => void)[] = [];
  private closed = false;

  constructor(private readonly opts: DeviceManagementOptions) {
    this.objects = opts.objects ?? new ObjectRegistry();
    this.gate = new QueueModeGate(opts.clock, opts.queueMode);
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    const ev = opts.events;
    this.unsubscribe.push(
      ev.on('awake', (e) => this.gate.markAwake(e.registration.endpoint)),
      ev.on('deregistered', (e) => this.registrationEnded(e.registration, e.reason === 'replaced')),
      ev.on('expired', (e) => this.registrationEnded(e.registration, false)),
    );
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
      const res = await this.negotiate(reg, formats, (accept) => ({ method: 'GET', path: this.segments(reg, p), accept, ...this.timeout(opts) }), path);
      return this.content(res, path);
    } catch (err) {
      const refused = err instanceof Lwm2mServerError && err.code === 'DEVICE_ERROR' && (err.coapCode === '4.04' || err.coapCode === '4.05');
      if (!refused || p.depth !== 2 || !reg.objectLinks.some((l) => l.path === p.toString())) throw err;
      return this.readInstanceByResources(endpoint, p, opts);
    }
  }

  private async readInstanceByResources(endpoint: string, p: Lwm2mPath, opts: ReadOptions): Promise<DeviceContent> {
    const path = p.toString();
    const links = await this.discover(endpoint, path, opts);
    const resources: Lwm2mResource[] = [];
    for (const link of links) {
      const rp = parsePath(link.uri);
      if (rp.depth !== 3 || !rp.startsWith(p)) continue;
      try {
        const node = (await this.read(endpoint, rp.toString(), opts)).node;
        if (node?.kind === 'singleResource' || node?.kind === 'multipleResource') resources.push(node);
      } catch (err) {
        // A resource the device will not read (write- or execute-only) is left out; anything else fails the read.
        if (!(err instanceof Lwm2mServerError && err.code === 'DEVICE_ERROR')) throw err;
      }
    }
    return { payload: new Uint8Array(0), node: objectInstance(p.instanceId as number, resources) };
  }

  /** Discover (GET with Accept: link-format); returns the links with their attributes. */
  async discover(endpoint: string, path: string, opts: OperationOptions = {}): Promise<CoreLink[]> {
    const reg = await this.registration(endpoint);
    const p = this.path(path, 1);
    const res = await this.call(reg, { method: 'GET', path: this.segments(reg, p), accept: ContentFormat.Link, ...this.timeout(opts) }, path);
    try {
      return decodeLinks(res.payload);
    } catch (cause) {
      throw new Lwm2mServerError('BAD_RESPONSE', 'device sent malformed link-format', { cause, details: { endpoint, path } });
    }
  }

  /** Write: `replace` (PUT, default) or `update` (POST, partial update of an instance). */
  async write(endpoint: string, path: string, content: WriteContent, opts: OperationOptions & { mode?: 'replace' | 'update' } = {}): Promise<void> {
    const reg = await this.registration(endpoint);
    const p = this.path(path, 2);
    const method = opts.mode === 'update' ? 'POST' : 'PUT';
    if (method === 'POST' && p.depth !== 2) throw new Lwm2mServerError('BAD_REQUEST', 'partial update targets an object instance', { details: { path } });
    await this.sendContent(reg, p, path, content, (body) => ({ method, path: this.segments(reg, p), contentFormat: body.format, payload: body.payload, ...this.timeout(opts) }));
  }

  /** Write-Attributes (PUT with query, no payload). `null` removes an attribute. */
  async writeAttributes(endpoint: string, path: string, attributes: NotificationAttributes, opts: OperationOptions = {}): Promise<void> {
    const reg = await this.registration(endpoint);
    const p = this.path(path, 1);
    const query: string[] = [];
    for (const name of ATTRIBUTE_NAMES) {
      const v = attributes[name];
      if (v === undefined) continue;
      if (v === null) query.push(name);
      else if (typeof v === 'number' && Number.isFinite(v) && (v >= 0 || ['gt', 'lt'].includes(name))) query.push(`${name}=${v}`);
      else throw new Lwm2mServerError('BAD_REQUEST', `invalid attribute ${name}`, { details: { path, attribute: name } });
    }
    if (query.length === 0) throw new Lwm2mServerError('BAD_REQUEST', 'no attribute to write', { details: { path } });
    await this.call(reg, { method: 'PUT', path: this.segments(reg, p), query, ...this.timeout(opts) }, path);
  }

  /** Execute (POST on a resource) with optional arguments text, e.g. `0='on',1`. */
  async execute(endpoint: string, path: string, opts: OperationOptions & { arguments?: string } = {}): Promise<void> {
    const reg = await this.registration(endpoint);
    const p = this.path(path, 3);
    if (p.depth !== 3) throw new Lwm2mServerError('BAD_REQUEST', 'execute targets a resource', { details: { path } });
    const args = opts.arguments ?? '';
    if (!/^[\x20-\x7e]*$/.test(args)) throw new Lwm2mServerError('BAD_REQUEST', 'execute arguments must be printable ASCII', { details: { path } });
    await this.call(
      reg,
      {
        method: 'POST',
        path: this.segments(reg, p),
        ...(args.length > 0 ? { payload: new TextEncoder().encode(args), contentFormat: ContentFormat.Text } : {}),
        ...this.timeout(opts),
      },
      path,
    );
  }

  /** Create (POST on an object); returns the new instance path from the Location-Path, if given. */
  async create(endpoint: string, objectPath: string, content: WriteContent, opts: OperationOptions = {}): Promise<{ location?: string }> {
    const reg = await this.registration(endpoint);
    const p = this.path(objectPath, 1);
    if (p.depth !== 1) throw new Lwm2mServerError('BAD_REQUEST', 'create targets an object', { details: { path: objectPath } });
    const res = await this.sendContent(reg, p, objectPath, content, (body) => ({ method: 'POST', path: this.segments(reg, p), contentFormat: body.format, payload: body.payload, ...this.timeout(opts) }));
    return res.locationPath.length > 0 ? { location: '/' + res.locationPath.join('/') } : {};
  }

  /** Delete (DELETE on an object instance, or a resource instance in 1.1). */
  async delete(endpoint: string, path: string, opts: OperationOptions = {}): Promise<void> {
    const reg = await this.registration(endpoint);
    const p = this.path(path, 2);
    await this.call(reg, { method: 'DELETE', path: this.segments(reg, p), ...this.timeout(opts) }, path);
  }

  /** Read-Composite (FETCH / with a SenML-JSON list of paths), LwM2M 1.1 devices only. */
  async readComposite(endpoint: string, paths: readonly string[], opts: ReadOptions = {}): Promise<DeviceContent> {
    const reg = await this.registration(endpoint);
    const req = this.compositeRequest(reg, paths, opts);
    const res = await this.negotiate(reg, req.formats, (accept) => ({ ...req.base, accept }), '/');
    return this.content(res, paths);
  }

  /** Observe (GET with Observe: 0); notifications arrive as `notification` events. */
  async observe(endpoint: string, path: string, opts: ReadOptions = {}): Promise<ObserveResult> {
    const reg = await this.registration(endpoint);
    const p = this.path(path, 1);
    const formats = opts.format !== undefined ? [opts.format] : readFormats(reg, this.shape(p));
    return this.observeNegotiated(formats, (accept) => this.startObservation(reg, [path], false, { method: 'GET', path: this.segments(reg, p), accept, ...this.timeout(opts) }));
  }

  /** Observe-Composite (FETCH / with Observe: 0), LwM2M 1.1 devices only. */
  async observeComposite(endpoint: string, paths: readonly string[], opts: ReadOptions = {}): Promise<ObserveResult> {
    const reg = await this.registration(endpoint);
    const req = this.compositeRequest(reg, paths, opts);
    return this.observeNegotiated(req.formats, (accept) => this.startObservation(reg, paths, true, { ...req.base, accept }));
  }

  /** Tries formats in turn while the device refuses the Accept with 4.06 / 4.15. */
  private async observeNegotiated(formats: readonly number[], start: (accept: number) => Promise<ObserveResult>): Promise<ObserveResult> {
    let last: unknown;
    for (const accept of formats.slice(0, 3)) {
      try {
        return await start(accept);
      } catch (err) {
        if (err instanceof Lwm2mServerError && err.code === 'DEVICE_ERROR' && NEGOTIATION_RETRY_CODES.has(err.coapCode ?? '')) {
          last = err;
          continue;
        }
        throw err;
      }
    }
    throw last ?? new Lwm2mServerError('UNSUPPORTED_CONTENT_FORMAT', 'no content format to ask for');
  }

  /** Cancel-Observe: passive (default; the next notification gets RST) or active (GET with Observe: 1). */
  async cancelObservation(observationId: string, opts: { active?: boolean } = {}): Promise<void> {
    const entry = this.observationsById.get(observationId);
    if (!entry) throw new Lwm2mServerError('OBSERVATION_NOT_FOUND', 'unknown observation', { details: { observationId } });
    this.observationsById.delete(observationId);
    try {
      await entry.handle.cancel(opts.active ?? false);
    } catch (err) {
      throw this.mapError(err, entry.info.endpoint, entry.info.paths.join(','));
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

  /** Runs an operation given as data. */
  async send(endpoint: string, req: DeviceRequest): Promise<DeviceResult> {
    switch (req.kind) {
      case 'read':
        return { kind: 'read', content: await this.read(endpoint, req.path, req) };
      case 'discover':
        return { kind: 'discover', links: await this.discover(endpoint, req.path, req) };
      case 'write':
        await this.write(endpoint, req.path, req.content, req);
        return { kind: 'write' };
      case 'write-attributes':
        await this.writeAttributes(endpoint, req.path, req.attributes, req);
        return { kind: 'write-attributes' };
      case 'execute':
        await this.execute(endpoint, req.path, req);
        return { kind: 'execute' };
      case 'create':
        return { kind: 'create', ...(await this.create(endpoint, req.path, req.content, req)) };
      case 'delete':
        await this.delete(endpoint, req.path, req);
        return { kind: 'delete' };
      case 'read-composite':
        return { kind: 'read-composite', content: await this.readComposite(endpoint, req.paths, req) };
    }
  }

  /** Cancels observations (passively), rejects held requests, unsubscribes from events. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const u of this.unsubscribe) u();
    for (const e of this.observationsById.values()) void e.handle.cancel(false).catch(() => {});
    this.observationsById.clear();
    this.gate.dropAll(new Lwm2mServerError('SERVER_CLOSED', 'server is closing'));
  }

  // ---- internals --------------------------------------------------------------------------

  private registrationEnded(reg: Registration, replaced: boolean): void {
    for (const [id, e] of this.observationsById) {
      if (e.info.registrationId !== reg.id) continue;
      this.observationsById.delete(id);
      void e.handle.cancel(false).catch(() => {});
    }
    // A replaced registration is followed by the new one: held requests wait for it.
    if (!replaced) this.gate.drop(reg.endpoint, new Lwm2mServerError('DEVICE_NOT_REGISTERED', 'device de-registered', { details: { endpoint: reg.endpoint } }));
  }

  private async registration(endpoint: string): Promise<Registration> {
    if (this.closed) throw new Lwm2mServerError('SERVER_CLOSED', 'server is closing');
    const r = await this.opts.registrations.getByEndpoint(endpoint);
    if (!r) throw new Lwm2mServerError('DEVICE_NOT_REGISTERED', 'endpoint is not registered', { details: { endpoint } });
    return r;
  }

  private path(text: string, minDepth: number): Lwm2mPath {
    let p: Lwm2mPath;
    try {
      p = parsePath(text);
    } catch (cause) {
      throw new Lwm2mServerError('BAD_REQUEST', 'invalid LwM2M path', { cause, details: { path: text } });
    }
    if (p.depth < minDepth) throw new Lwm2mServerError('BAD_REQUEST', 'path too short for this operation', { details: { path: text } });
    return p;
  }

  private shape(p: Lwm2mPath): { depth: number; resource?: ResourceModel } {
    const resource = this.objects.resourceAt(p);
    return resource ? { depth: p.depth, resource } : { depth: p.depth };
  }

  private segments(reg: Registration, p: Lwm2mPath): string[] {
    const root = reg.rootPath === '/' ? [] : reg.rootPath.split('/').filter((s) => s.length > 0);
    const ids = [p.objectId, p.instanceId, p.resourceId, p.resourceInstanceId].filter((x): x is number => x !== undefined).map(String);
    return [...root, ...ids];
  }

  private timeout(opts: OperationOptions): { timeoutMs: number } {
    return { timeoutMs: opts.timeoutMs ?? this.requestTimeoutMs };
  }

  /**
   * Sends encoded content; for a node without an explicit format, falls back to the next format
   * the device may accept when it answers 4.15, 4.06 or 4.00 (clients that take only some formats).
   */
  private async sendContent(
    reg: Registration,
    p: Lwm2mPath,
    path: string,
    content: WriteContent,
    build: (body: { format: number; payload: Uint8Array }) => DeviceCoapRequest,
  ): Promise<DeviceCoapResponse> {
    const formats = this.contentFormats(reg, p, path, content);
    let last: unknown;
    for (const format of formats.slice(0, 3)) {
      const body = this.encode(p, path, content, format);
      try {
        return await this.call(reg, build(body), path);
      } catch (err) {
        if (formats.length > 1 && err instanceof Lwm2mServerError && err.code === 'DEVICE_ERROR' && WRITE_RETRY_CODES.has(err.coapCode ?? '')) {
          last = err;
          continue;
        }
        throw err;
      }
    }
    throw last ?? new Lwm2mServerError('UNSUPPORTED_CONTENT_FORMAT', 'no content format to send', { details: { path } });
  }

  /** Candidate formats for content, best first. */
  private contentFormats(reg: Registration, p: Lwm2mPath, path: string, content: WriteContent): number[] {
    switch (content.kind) {
      case 'raw':
        return [content.contentFormat];
      case 'value': {
        const shape = this.shape(p);
        if (!isSingleValue(shape)) throw new Lwm2mServerError('BAD_REQUEST', 'a single value needs a resource path', { details: { path } });
        return [(shape.resource?.type ?? (content.value instanceof Uint8Array ? 'opaque' : 'string')) === 'opaque' ? ContentFormat.Opaque : ContentFormat.Text];
      }
      case 'node': {
        if (content.format !== undefined) {
          if (!NODE_FORMATS.includes(content.format)) throw new Lwm2mServerError('UNSUPPORTED_CONTENT_FORMAT', 'content format cannot carry nodes', { details: { path, format: content.format } });
          return [content.format];
        }
        const n = content.node;
        const single = n.kind === 'singleResource' || n.kind === 'resourceInstance' ? [n.type === 'opaque' ? ContentFormat.Opaque : ContentFormat.Text] : [];
        return [...single, ...multiNodeFormats(reg)];
      }
    }
  }

  private encode(p: Lwm2mPath, path: string, content: WriteContent, format: number): { format: number; payload: Uint8Array } {
    try {
      switch (content.kind) {
        case 'raw':
          return { format, payload: content.payload };
        case 'value':
          return { format, payload: encodeNode(valueNode(p, content.value, this.shape(p).resource), format, { path: p }) };
        case 'node':
          return { format, payload: encodeNode(content.node, format, { path: p }) };
      }
    } catch (err) {
      throw new Lwm2mServerError('BAD_REQUEST', 'value cannot be encoded', { cause: err, details: { path, format } });
    }
  }

  private compositeRequest(reg: Registration, paths: readonly string[], opts: ReadOptions): { base: DeviceCoapRequest; formats: number[] } {
    if (reg.lwm2mVersion === '1.0') throw new Lwm2mServerError('NOT_SUPPORTED', 'composite operations need LwM2M 1.1', { details: { endpoint: reg.endpoint } });
    if (paths.length === 0) throw new Lwm2mServerError('BAD_REQUEST', 'no path given');
    const parsed = paths.map((p) => this.path(p, 1));
    const formats = (opts.format !== undefined ? [opts.format] : multiNodeFormats(reg)).filter((f) => COMPOSITE_FORMATS.includes(f));
    if (formats.length === 0) throw new Lwm2mServerError('UNSUPPORTED_CONTENT_FORMAT', 'composite operations use SenML', { details: { endpoint: reg.endpoint } });
    // The path list goes in SenML-JSON unless the device announced only SenML-CBOR.
    const announced = reg.supportedContentFormats;
    const bodyFormat = announced && !announced.includes(ContentFormat.SenmlJson) && announced.includes(ContentFormat.SenmlCbor) ? ContentFormat.SenmlCbor : ContentFormat.SenmlJson;
    const root = reg.rootPath === '/' ? [] : reg.rootPath.split('/').filter((s) => s.length > 0);
    return {
      base: {
        method: 'FETCH',
        path: root,
        contentFormat: bodyFormat,
        payload: encodeCompositePaths(parsed, bodyFormat),
        ...this.timeout(opts),
      },
      formats,
    };
  }

  /** Decodes a response: into one node at `target`, or into nodes by path for a composite list. */
  private content(res: DeviceCoapResponse, target: string | readonly string[]): DeviceContent {
    const base = { payload: res.payload, ...(res.contentFormat !== undefined ? { contentFormat: res.contentFormat } : {}) };
    if (res.payload.length === 0) return base;
    const format = res.contentFormat ?? ContentFormat.Text;
    try {
      if (typeof target === 'string') return { ...base, node: decodeNode(res.payload, format, { path: target, model: this.objects }) };
      let decoded;
      try {
        decoded = decodeNodes(res.payload, format, { paths: target, model: this.objects });
      } catch {
        // Some requested paths may be absent from the answer: take what is there, per resource.
        decoded = decodeNodes(res.payload, format, { model: this.objects });
      }
      return { ...base, nodes: decoded.map((n) => ({ path: n.path.toString(), node: n.node })) };
    } catch (err) {
      return { ...base, decodeError: err instanceof Error ? err.message : String(err) };
    }
  }

  private peer(reg: Registration): { address: string; port: number } {
    return { address: reg.address.address, port: reg.address.port };
  }

  private port(reg: Registration): CoapClientPort {
    const port = this.opts.transportFor(reg);
    if (!port) throw new Lwm2mServerError('DEVICE_UNREACHABLE', 'no transport for this registration', { details: { endpoint: reg.endpoint } });
    return port;
  }

  /** One exchange through the queue-mode gate; non-2.xx answers become DEVICE_ERROR. */
  private async call(reg: Registration, req: DeviceCoapRequest, path: string): Promise<DeviceCoapResponse> {
    const recorded = await this.opts.provenance?.exchange({ endpoint: reg.endpoint, method: req.method, path, accept: req.accept, contentFormat: req.contentFormat, payload: req.payload });
    let res: DeviceCoapResponse;
    try {
      res = await this.gate.run(reg.endpoint, reg.queueMode, async () => {
        try {
          return await this.port(reg).request(this.peer(reg), req);
        } catch (err) {
          throw this.mapError(err, reg.endpoint, path);
        }
      });
    } catch (err) {
      await recorded?.({ error: err });
      throw err;
    }
    await recorded?.(res);
    if (!isSuccess(res.code)) throw this.deviceError(res.code, reg.endpoint, path);
    return res;
  }

  /** Tries formats in turn while the device answers 4.06 Not Acceptable / 4.15. */
  private async negotiate(reg: Registration, formats: readonly number[], build: (accept: number) => DeviceCoapRequest, path: string): Promise<DeviceCoapResponse> {
    let last: Lwm2mServerError | undefined;
    for (const accept of formats.slice(0, 3)) {
      try {
        return await this.call(reg, build(accept), path);
      } catch (err) {
        if (err instanceof Lwm2mServerError && err.code === 'DEVICE_ERROR' && NEGOTIATION_RETRY_CODES.has(err.coapCode ?? '')) {
          last = err;
          continue;
        }
        throw err;
      }
    }
    throw last ?? new Lwm2mServerError('UNSUPPORTED_CONTENT_FORMAT', 'no content format to ask for', { details: { endpoint: reg.endpoint, path } });
  }

  private async startObservation(reg: Registration, paths: readonly string[], composite: boolean, req: DeviceCoapRequest): Promise<ObserveResult> {
    const id = Buffer.from(this.opts.random.bytes(8)).toString('hex');
    const info: ObservationInfo = { id, endpoint: reg.endpoint, registrationId: reg.id, paths: [...paths], composite, createdAt: this.opts.wallTime() };
    const notifyTarget: string | readonly string[] = composite ? paths : (paths[0] as string);
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
        content: this.content(r, notifyTarget),
        at: this.opts.wallTime(),
      });
    };
    const recorded = await this.opts.provenance?.exchange({ endpoint: reg.endpoint, method: req.method, path: paths.join(','), accept: req.accept, payload: req.payload, observationId: id });
    let handle: CoapObservationHandle;
    try {
      handle = await this.gate.run(reg.endpoint, reg.queueMode, async () => {
        try {
          return await this.port(reg).observe(this.peer(reg), req, onNotify);
        } catch (err) {
          throw this.mapError(err, reg.endpoint, paths.join(','));
        }
      });
    } catch (err) {
      await recorded?.({ error: err });
      throw err;
    }
    const res = handle.response;
    await recorded?.(res);
    if (!isSuccess(res.code)) throw this.deviceError(res.code, reg.endpoint, paths.join(','));
    const content = this.content(res, notifyTarget);
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

  private deviceError(code: string, endpoint: string, path: string): Lwm2mServerError {
    return new Lwm2mServerError('DEVICE_ERROR', `device answered ${code}`, { details: { coapCode: code, endpoint, path } });
  }

  private mapError(err: unknown, endpoint: string, path: string): Lwm2mServerError {
    if (err instanceof Lwm2mServerError) return err;
    const details = { endpoint, path };
    if (err instanceof Lwm2mError) {
      switch (err.code) {
        case 'COAP_TIMEOUT':
          return new Lwm2mServerError('DEVICE_TIMEOUT', 'device did not answer in time', { cause: err, details });
        case 'COAP_CLOSED':
          return new Lwm2mServerError('SERVER_CLOSED', 'server is closing', { cause: err, details });
        case 'COAP_BAD_REQUEST':
          return new Lwm2mServerError('BAD_REQUEST', 'request cannot be encoded', { cause: err, details });
        case 'COAP_BAD_MESSAGE':
        case 'COAP_BLOCK_FAILED':
          return new Lwm2mServerError('BAD_RESPONSE', 'device sent an invalid answer', { cause: err, details });
        case 'COAP_PEER_FORGOTTEN':
          return new Lwm2mServerError('DEVICE_NOT_REGISTERED', 'device was revoked or de-registered', { cause: err, details });
        default:
          return new Lwm2mServerError('DEVICE_UNREACHABLE', 'device unreachable', { cause: err, details: { ...details, reason: err.code } });
      }
    }
    return new Lwm2mServerError('DEVICE_UNREACHABLE', 'device unreachable', { cause: err, details });
  }
}

/**
 * LwM2M <-> CoAP mapping (LwM2M 1.1 TS Transport §6 / TS Core §6), as pure functions over plain
 * objects shaped like the CoAP endpoint's requests and responses. Servers and the device simulator
 * use these without knowing the CoAP wire format.
 */
import { CodecError, CodecErrorCode } from '../codec/CodecError.js';
import { decodeLinks, encodeLinks, formatRegistrationLinks } from '../codec/linkPayloads.js';
import { decodeCompositePaths, decodeNode, decodeNodes, encodeCompositePaths, encodeNode, encodeNodes } from '../codec/Lwm2mCodec.js';
import type { CoapMethod } from '../coap/types.js';
import { ContentFormat } from '../ContentFormat.js';
import { Lwm2mError, NotSupportedError } from '../Lwm2mError.js';
import type { ObjectRegistry } from '../model/ObjectRegistry.js';
import type { Lwm2mNode, Lwm2mObjectInstance } from '../node/Lwm2mNode.js';
import { InvalidPathError, Lwm2mPath, pathFromSegments } from '../path/Lwm2mPath.js';
import { InvalidRequestCode, InvalidRequestError } from './InvalidRequestError.js';
import type {
  BootstrapDownlinkRequest,
  DownlinkRequest,
  Lwm2mFailure,
  Lwm2mRequest,
  Lwm2mRequestKind,
  Lwm2mResponseFor,
  Lwm2mResponseMap,
  NotificationAttributes,
} from './Lwm2mRequest.js';
import { ResponseCode, isSuccessCode } from './ResponseCode.js';

/** A CoAP request as the endpoint sends or receives it (assignable to `ClientRequest`). */
export interface Lwm2mCoapRequest {
  readonly method: CoapMethod;
  readonly path: string[];
  readonly query: string[];
  readonly contentFormat?: number;
  readonly accept?: number;
  readonly payload?: Uint8Array;
  /** 0: register an observation (use `CoapEndpoint.observe`), 1: cancel it. */
  readonly observe?: 0 | 1;
}

/** A CoAP response (assignable from `ClientResponse`, to `CoapResponse`). */
export interface Lwm2mCoapResponse {
  readonly code: string;
  readonly contentFormat?: number;
  readonly payload?: Uint8Array;
  readonly locationPath?: string[];
  readonly observe?: number;
}

/** The success code each operation expects (TS Transport §6). */
export const SuccessCodes: Readonly<Record<Lwm2mRequestKind, string>> = {
  read: ResponseCode.Content,
  discover: ResponseCode.Content,
  write: ResponseCode.Changed,
  'write-attributes': ResponseCode.Changed,
  execute: ResponseCode.Changed,
  create: ResponseCode.Created,
  delete: ResponseCode.Deleted,
  observe: ResponseCode.Content,
  'cancel-observe': ResponseCode.Content,
  'read-composite': ResponseCode.Content,
  'observe-composite': ResponseCode.Content,
  'write-composite': ResponseCode.Changed,
  'bootstrap-request': ResponseCode.Changed,
  'bootstrap-write': ResponseCode.Changed,
  'bootstrap-delete': ResponseCode.Deleted,
  'bootstrap-discover': ResponseCode.Content,
  'bootstrap-finish': ResponseCode.Changed,
  register: ResponseCode.Created,
  update: ResponseCode.Changed,
  deregister: ResponseCode.Deleted,
  send: ResponseCode.Changed,
};

const ATTRIBUTE_NAMES = ['pmin', 'pmax', 'gt', 'lt', 'st', 'epmin', 'epmax'] as const;

function attributeQuery(attrs: NotificationAttributes): string[] {
  const q: string[] = [];
  for (const k of ATTRIBUTE_NAMES) {
    const v = attrs[k];
    if (v === undefined) continue;
    if (v === null) q.push(k);
    else {
      if (!Number.isFinite(v)) throw new InvalidRequestError(InvalidRequestCode.BadRequest, `attribute ${k} must be a finite number`);
      q.push(`${k}=${v}`);
    }
  }
  return q;
}

function registrationQuery(r: { lifetime?: number; lwm2mVersion?: string; binding?: string; smsNumber?: string; queueMode?: boolean }): string[] {
  const q: string[] = [];
  if (r.lifetime !== undefined) q.push(`lt=${r.lifetime}`);
  if (r.lwm2mVersion !== undefined) q.push(`lwm2m=${r.lwm2mVersion}`);
  if (r.binding !== undefined) q.push(`b=${r.binding}`);
  if (r.smsNumber !== undefined) q.push(`sms=${r.smsNumber}`);
  if (r.queueMode) q.push('Q');
  return q;
}

/** The CoAP request for an LwM2M operation, payload encoded. */
export function toCoapRequest(req: Lwm2mRequest): Lwm2mCoapRequest {
  switch (req.kind) {
    case 'read':
      return { method: 'GET', path: req.path.segments(), query: [], ...(req.format !== undefined ? { accept: req.format } : {}) };
    case 'discover':
      return { method: 'GET', path: req.path.segments(), query: req.depth !== undefined ? [`depth=${req.depth}`] : [], accept: ContentFormat.Link };
    case 'write':
      return {
        method: req.mode === 'replace' ? 'PUT' : 'POST',
        path: req.path.segments(),
        query: [],
        contentFormat: req.format,
        payload: encodeNode(req.node, req.format, { path: req.path }),
      };
    case 'write-attributes':
      return { method: 'PUT', path: req.path.segments(), query: attributeQuery(req.attributes) };
    case 'execute':
      return {
        method: 'POST',
        path: req.path.segments(),
        query: [],
        ...(req.arguments !== undefined ? { contentFormat: ContentFormat.Text, payload: new TextEncoder().encode(req.arguments) } : {}),
      };
    case 'create':
      return { method: 'POST', path: req.path.segments(), query: [], contentFormat: req.format, payload: encodeNode(req.instance, req.format, { path: req.path }) };
    case 'delete':
      return { method: 'DELETE', path: req.path.segments(), query: [] };
    case 'observe':
    case 'cancel-observe':
      return {
        method: 'GET',
        path: req.path.segments(),
        query: [],
        observe: req.kind === 'observe' ? 0 : 1,
        ...(req.format !== undefined ? { accept: req.format } : {}),
      };
    case 'read-composite':
    case 'observe-composite':
      return {
        method: 'FETCH',
        path: [],
        query: [],
        contentFormat: req.requestFormat,
        accept: req.format ?? req.requestFormat,
        payload: encodeCompositePaths(req.paths, req.requestFormat),
        ...(req.kind === 'observe-composite' ? { observe: 0 as const } : {}),
      };
    case 'write-composite':
      return { method: 'IPATCH', path: [], query: [], contentFormat: req.format, payload: encodeNodes(req.nodes, req.format) };
    case 'bootstrap-request':
      return {
        method: 'POST',
        path: ['bs'],
        query: [`ep=${req.endpoint}`, ...(req.preferredContentFormat !== undefined ? [`pct=${req.preferredContentFormat}`] : [])],
      };
    case 'bootstrap-write':
      return { method: 'PUT', path: req.path.segments(), query: [], contentFormat: req.format, payload: encodeNode(req.node, req.format, { path: req.path }) };
    case 'bootstrap-delete':
      return { method: 'DELETE', path: req.path.segments(), query: [] };
    case 'bootstrap-discover':
      return { method: 'GET', path: req.path.segments(), query: [], accept: ContentFormat.Link };
    case 'bootstrap-finish':
      return { method: 'POST', path: ['bs'], query: [] };
    case 'register':
      return {
        method: 'POST',
        path: ['rd'],
        query: [`ep=${req.endpoint}`, ...registrationQuery(req)],
        contentFormat: ContentFormat.Link,
        payload: new TextEncoder().encode(
          formatRegistrationLinks({
            rootPath: req.rootPath,
            objectLinks: [...req.objectLinks],
            ...(req.supportedContentFormats ? { supportedContentFormats: [...req.supportedContentFormats] } : {}),
          }),
        ),
      };
    case 'update':
      return {
        method: 'POST',
        path: ['rd', req.registrationId],
        query: registrationQuery(req),
        ...(req.objectLinks
          ? {
              contentFormat: ContentFormat.Link,
              payload: new TextEncoder().encode(
                formatRegistrationLinks({
                  rootPath: '/',
                  objectLinks: [...req.objectLinks],
                  ...(req.supportedContentFormats ? { supportedContentFormats: [...req.supportedContentFormats] } : {}),
                }),
              ),
            }
          : {}),
      };
    case 'deregister':
      return { method: 'DELETE', path: ['rd', req.registrationId], query: [] };
    case 'send':
      return { method: 'POST', path: ['dp'], query: [], contentFormat: req.format, payload: encodeNodes(req.nodes, req.format) };
  }
}

function failure(code: string, payload: Uint8Array | undefined, error?: Lwm2mError): Lwm2mFailure {
  const message = payload && payload.length > 0 ? new TextDecoder().decode(payload.subarray(0, 256)) : undefined;
  return { ok: false, code, ...(error ? { error } : {}), ...(message !== undefined ? { message } : {}) };
}

export interface FromCoapResponseOptions {
  /** Object definitions used to type decoded values. */
  readonly model?: ObjectRegistry;
}

/**
 * The typed LwM2M response for `req` from the CoAP response. A 2.xx other than the expected one
 * is still a success; an undecodable payload is a failure carrying the `CodecError`.
 */
export function fromCoapResponse<R extends Lwm2mRequest>(req: R, res: Lwm2mCoapResponse, options: FromCoapResponseOptions = {}): Lwm2mResponseFor<R> {
  return responseFor(req, res, options) as Lwm2mResponseFor<R>;
}

function responseFor(req: Lwm2mRequest, res: Lwm2mCoapResponse, options: FromCoapResponseOptions): Lwm2mResponseMap[Lwm2mRequestKind] {
  if (!isSuccessCode(res.code)) return failure(res.code, res.payload);
  const payload = res.payload ?? new Uint8Array(0);
  const model = options.model;
  try {
    switch (req.kind) {
      case 'read':
      case 'observe':
      case 'cancel-observe': {
        const format = res.contentFormat ?? ContentFormat.Text;
        const node = decodeNode(payload, format, { path: req.path, ...(model ? { model } : {}) });
        return { ok: true, code: res.code, node, format, ...(res.observe !== undefined && req.kind !== 'read' ? { observe: res.observe } : {}) };
      }
      case 'discover':
      case 'bootstrap-discover':
        if (res.contentFormat !== undefined && res.contentFormat !== ContentFormat.Link) {
          throw new CodecError(CodecErrorCode.Unsupported, 'discover response must be link format', { format: res.contentFormat });
        }
        return { ok: true, code: res.code, links: decodeLinks(payload) };
      case 'read-composite':
      case 'observe-composite': {
        const format = res.contentFormat ?? req.format ?? req.requestFormat;
        return { ok: true, code: res.code, nodes: decodeNodes(payload, format, { paths: req.paths, ...(model ? { model } : {}) }), format };
      }
      case 'create': {
        const lp = res.locationPath ?? [];
        let location: Lwm2mPath | undefined;
        if (lp.length > 0) location = pathFromSegments(lp);
        return { ok: true, code: res.code, ...(location ? { location } : {}) };
      }
      case 'register': {
        const lp = res.locationPath ?? [];
        const id = lp.length === 2 && lp[0] === 'rd' ? lp[1] : undefined;
        if (!id) return failure(res.code, undefined, new InvalidRequestError(InvalidRequestCode.BadRequest, 'register response without Location-Path /rd/<id>'));
        return { ok: true, code: res.code, registrationId: id };
      }
      default:
        return { ok: true, code: res.code };
    }
  } catch (e) {
    if (e instanceof Lwm2mError) return failure(res.code, undefined, e);
    return failure(res.code, undefined, new CodecError(CodecErrorCode.Malformed, 'cannot decode response', undefined, e));
  }
}

/** The CoAP response that carries an LwM2M response (client side for downlinks, server side for uplinks). */
export function toCoapResponse<R extends Lwm2mRequest>(req: R, res: Lwm2mResponseFor<R>): Lwm2mCoapResponse {
  const r = res as Lwm2mResponseMap[Lwm2mRequestKind];
  if (!r.ok) {
    return { code: r.code, ...(r.message !== undefined ? { payload: new TextEncoder().encode(r.message) } : {}) };
  }
  const code = r.code;
  switch (req.kind) {
    case 'read':
    case 'observe':
    case 'cancel-observe': {
      const x = r as { node: Lwm2mNode; format: number };
      return { code, contentFormat: x.format, payload: encodeNode(x.node, x.format, { path: req.path }) };
    }
    case 'discover':
    case 'bootstrap-discover': {
      const x = r as { links: Parameters<typeof encodeLinks>[0] };
      return { code, contentFormat: ContentFormat.Link, payload: encodeLinks(x.links) };
    }
    case 'read-composite':
    case 'observe-composite': {
      const x = r as { nodes: Parameters<typeof encodeNodes>[0]; format: number };
      return { code, contentFormat: x.format, payload: encodeNodes(x.nodes, x.format) };
    }
    case 'create': {
      const x = r as { location?: Lwm2mPath };
      return { code, ...(x.location ? { locationPath: x.location.segments() } : {}) };
    }
    case 'register': {
      const x = r as { registrationId: string };
      return { code, locationPath: ['rd', x.registrationId] };
    }
    default:
      return { code };
  }
}

// ---------------------------------------------------------------------------------------------
// Incoming requests

/** What an incoming CoAP request looks like to the parsers (a `CoapRequest` fits). */
export interface IncomingCoapRequest {
  readonly method: CoapMethod;
  readonly path: readonly string[];
  readonly query: readonly string[];
  readonly contentFormat?: number;
  readonly accept?: number;
  readonly observe?: number;
  readonly payload: Uint8Array;
}

function bad(message: string, details?: Record<string, unknown>, cause?: unknown): InvalidRequestError {
  return new InvalidRequestError(InvalidRequestCode.BadRequest, message, details, cause);
}

/** Query values by name; a name given twice is a bad request (LWM2M_REPEATED_PARAMETER). Valueless parameters map to `''`. */
export function parseQuery(query: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const q of query) {
    const i = q.indexOf('=');
    const k = i < 0 ? q : q.slice(0, i);
    const v = i < 0 ? '' : q.slice(i + 1);
    if (m.has(k)) throw new InvalidRequestError(InvalidRequestCode.RepeatedParameter, `query parameter '${k.slice(0, 20)}' given twice`, { param: k.slice(0, 20) });
    m.set(k, v);
  }
  return m;
}

/** An integer query parameter in `min..max` (decimal digits only), or undefined when absent. */
export function intParam(q: Map<string, string>, name: string, min: number, max: number): number | undefined {
  const v = q.get(name);
  if (v === undefined) return undefined;
  if (!/^\d{1,10}$/.test(v)) throw bad(`query parameter ${name} must be a decimal integer`, { param: name });
  const n = Number(v);
  if (n < min || n > max) throw bad(`query parameter ${name} must be in ${min}..${max}`, { param: name, value: n });
  return n;
}

export interface ParseDownlinkOptions {
  /** Which interface the request arrived on: from a bootstrap server, or from an LwM2M server. */
  readonly interface: 'bootstrap' | 'dm';
  readonly model?: ObjectRegistry;
}

function nodePayload(req: IncomingCoapRequest, path: Lwm2mPath, model: ObjectRegistry | undefined): { node: Lwm2mNode; format: number } {
  if (req.contentFormat === undefined) throw bad('a payload needs a Content-Format');
  return { node: decodeNode(req.payload, req.contentFormat, { path, ...(model ? { model } : {}) }), format: req.contentFormat };
}

function attributesOf(query: readonly string[]): NotificationAttributes {
  const q = parseQuery(query);
  const out: Record<string, number | null> = {};
  for (const [k, v] of q) {
    if (!(ATTRIBUTE_NAMES as readonly string[]).includes(k)) throw bad(`unknown attribute '${k.slice(0, 20)}'`);
    if (v === '') out[k] = null;
    else {
      const n = Number(v);
      if (!/^-?\d+(\.\d+)?$/.test(v) || !Number.isFinite(n)) throw bad(`attribute ${k} must be a number`);
      out[k] = n;
    }
  }
  return out as NotificationAttributes;
}

/**
 * Parses a server-initiated request as a client sees it (used by the device simulator): the DM
 * interface (read, discover, write, write-attributes, execute, create, delete, observe,
 * cancel-observe, composite operations) or the bootstrap interface (write, delete, discover, finish).
 */
export function parseDownlinkRequest(req: IncomingCoapRequest, options: ParseDownlinkOptions): DownlinkRequest | BootstrapDownlinkRequest {
  const model = options.model;
  if (options.interface === 'bootstrap') {
    if (req.path.length === 1 && req.path[0] === 'bs') {
      if (req.method !== 'POST') throw new InvalidRequestError(InvalidRequestCode.MethodNotAllowed, 'bootstrap-finish must be POST');
      return { kind: 'bootstrap-finish' };
    }
    const path = toPathOrThrow(req.path);
    switch (req.method) {
      case 'PUT': {
        if (path.isRoot()) throw bad('bootstrap-write needs an object, instance or resource path');
        const { node, format } = nodePayload(req, path, model);
        return { kind: 'bootstrap-write', path, node, format };
      }
      case 'DELETE':
        return { kind: 'bootstrap-delete', path };
      case 'GET':
        if (path.depth > 1) throw bad('bootstrap-discover targets the root or an object');
        return { kind: 'bootstrap-discover', path };
      default:
        throw new InvalidRequestError(InvalidRequestCode.MethodNotAllowed, `${req.method} is not a bootstrap operation`);
    }
  }
  if (req.method === 'FETCH' || req.method === 'IPATCH') {
    if (req.path.length > 0) throw bad('composite operations target the root path');
    if (req.contentFormat === undefined) throw bad('a payload needs a Content-Format');
    if (req.method === 'IPATCH') return { kind: 'write-composite', nodes: decodeNodes(req.payload, req.contentFormat, model ? { model } : {}), format: req.contentFormat };
    const paths = decodeCompositePaths(req.payload, req.contentFormat);
    return {
      kind: req.observe === 0 ? 'observe-composite' : 'read-composite',
      paths,
      requestFormat: req.contentFormat,
      ...(req.accept !== undefined ? { format: req.accept } : {}),
    };
  }
  const path = toPathOrThrow(req.path);
  const accept = req.accept !== undefined ? { format: req.accept } : {};
  switch (req.method) {
    case 'GET':
      if (req.observe === 0) return { kind: 'observe', path, ...accept };
      if (req.observe === 1) return { kind: 'cancel-observe', path, ...accept };
      if (req.accept === ContentFormat.Link) {
        const depth = intParam(parseQuery(req.query), 'depth', 0, 3);
        return { kind: 'discover', path, ...(depth !== undefined ? { depth } : {}) };
      }
      return { kind: 'read', path, ...accept };
    case 'PUT':
      if (req.payload.length === 0 && req.contentFormat === undefined) return { kind: 'write-attributes', path, attributes: attributesOf(req.query) };
      if (path.depth < 2) throw bad('write targets an object instance, resource or resource instance');
      return { kind: 'write', path, mode: 'replace', ...nodePayload(req, path, model) };
    case 'POST':
      if (path.depth === 1) {
        const { node, format } = nodePayload(req, path, model);
        return { kind: 'create', path, instance: instanceForCreate(node), format };
      }
      if (path.depth === 2) return { kind: 'write', path, mode: 'update', ...nodePayload(req, path, model) };
      if (path.depth === 3) {
        return { kind: 'execute', path, ...(req.payload.length > 0 ? { arguments: new TextDecoder().decode(req.payload) } : {}) };
      }
      throw bad('POST cannot target this path');
    case 'DELETE':
      if (path.depth < 2) throw bad('delete targets an object instance');
      return { kind: 'delete', path };
    default:
      throw new InvalidRequestError(InvalidRequestCode.MethodNotAllowed, `${req.method} is not an LwM2M operation`);
  }
}

function instanceForCreate(node: Lwm2mNode): Lwm2mObjectInstance {
  if (node.kind === 'objectInstance') return node;
  if (node.kind === 'object' && node.instances.length === 1) return node.instances[0] as Lwm2mObjectInstance;
  throw bad('create carries exactly one object instance');
}

function toPathOrThrow(segments: readonly string[]): Lwm2mPath {
  try {
    return pathFromSegments(segments);
  } catch (e) {
    if (e instanceof InvalidPathError) throw new InvalidRequestError(InvalidRequestCode.UnknownRoute, e.message, undefined, e);
    throw e;
  }
}

/** The CoAP code to answer a request that failed with `err` (typed errors of this package; anything else 5.00). */
export function errorResponseCode(err: unknown): string {
  if (err instanceof InvalidRequestError) {
    if (err.code === InvalidRequestCode.UnknownRoute) return ResponseCode.NotFound;
    if (err.code === InvalidRequestCode.MethodNotAllowed) return ResponseCode.MethodNotAllowed;
    if (err.code === InvalidRequestCode.UnsupportedVersion) return ResponseCode.PreconditionFailed;
    return ResponseCode.BadRequest;
  }
  if (err instanceof CodecError) return err.code === CodecErrorCode.Unsupported ? ResponseCode.UnsupportedContentFormat : ResponseCode.BadRequest;
  if (err instanceof InvalidPathError) return ResponseCode.NotFound;
  if (err instanceof NotSupportedError) return ResponseCode.NotImplemented;
  return ResponseCode.InternalServerError;
}

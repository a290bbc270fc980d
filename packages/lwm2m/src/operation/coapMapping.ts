/**
 * LwM2M <-> CoAP mapping (LwM2M 1.1 TS Transport §6 / TS Core §6), as pure functions over plain
 * objects shaped like the CoAP endpoint's requests and responses. Servers and the device simulator
 * use these without knowing the CoAP wire format.
 */
import { CodecError, CodecErrorCode } from '../codec/CodecError.js';
import { decodeLinks, encodeLinks, formatRegistrationLinks } from '../codec/linkPayloads.js';
import { decodeNode, decodeNodes, encodeCompositePaths, encodeNode, encodeNodes } from '../codec/Lwm2mCodec.js';
import type { CoapMethod } from '../coap/types.js';
import { ContentFormat } from '../ContentFormat.js';
import { Lwm2mError, NotSupportedError } from '../Lwm2mError.js';
import type { ObjectRegistry } from '../model/ObjectRegistry.js';
import { objectInstance, type Lwm2mNode } from '../node/Lwm2mNode.js';
import { InvalidPathError, Lwm2mPath, pathFromSegments } from '../path/Lwm2mPath.js';
import { InvalidRequestCode, InvalidRequestError } from './InvalidRequestError.js';
import { NOTIFICATION_ATTRIBUTE_NAMES } from './Lwm2mRequest.js';
import type {
  CreateRequest,
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

function attributeQuery(attrs: NotificationAttributes): string[] {
  const q: string[] = [];
  for (const k of NOTIFICATION_ATTRIBUTE_NAMES) {
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
      return { method: 'POST', path: req.path.segments(), query: [], contentFormat: req.format, payload: createPayload(req) };
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

/**
 * The payload of a Create. With an instance id: the instance (TLV: an Object Instance TLV; SenML /
 * LwM2M JSON: names `/o/i/r`). Without one the payload names no instance so the client chooses:
 * resource TLVs at the top level. SenML and LwM2M JSON names always carry an instance id, so they
 * cannot express that; ask for an id (or TLV) instead.
 */
function createPayload(req: CreateRequest): Uint8Array {
  const o = req.path.objectId;
  if (o === undefined || req.path.depth !== 1) throw new InvalidRequestError(InvalidRequestCode.BadRequest, 'create targets an object path');
  if (req.instanceId !== undefined) return encodeNode(objectInstance(req.instanceId, req.resources), req.format, { path: req.path });
  if (req.format !== ContentFormat.Tlv) {
    throw new NotSupportedError(`a create without an instance id in content format ${req.format} (only TLV can leave the instance out)`, { format: req.format });
  }
  return encodeNode(objectInstance(0, req.resources), ContentFormat.Tlv, { path: Lwm2mPath.of([o, 0]) });
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

/**
 * Server-initiated requests as a client sees them: the rules that say which LwM2M operation a CoAP
 * request is (`classifyDownlinkRequest`, no payload decoding) and the full typed parse
 * (`parseDownlinkRequest`, payload decoded with the lwm2m codec). The device simulator dispatches
 * on the classification and decodes payloads with its own, independent codec.
 */
import { decodeCompositePaths, decodeNode, decodeNodes } from '../codec/Lwm2mCodec.js';
import { decodeTlv, TlvType } from '../codec/wire/tlv.js';
import { ContentFormat } from '../ContentFormat.js';
import type { ObjectRegistry } from '../model/ObjectRegistry.js';
import type { Lwm2mNode, Lwm2mResource } from '../node/Lwm2mNode.js';
import { InvalidPathError, Lwm2mPath, pathFromSegments } from '../path/Lwm2mPath.js';
import { parseQuery, type IncomingCoapRequest } from './coapMapping.js';
import { InvalidRequestCode, InvalidRequestError } from './InvalidRequestError.js';
import { NOTIFICATION_ATTRIBUTE_NAMES } from './Lwm2mRequest.js';
import type { BootstrapDownlinkRequest, DownlinkRequest, NotificationAttributes } from './Lwm2mRequest.js';

/** Which operation a downlink request is, before its payload is decoded. */
export type DownlinkOperation =
  | { readonly kind: 'read' | 'observe' | 'cancel-observe'; readonly path: Lwm2mPath; readonly format?: number }
  | { readonly kind: 'discover'; readonly path: Lwm2mPath; readonly depth?: number }
  /** `format` absent: the request carried no Content-Format. */
  | { readonly kind: 'write'; readonly path: Lwm2mPath; readonly mode: 'replace' | 'update'; readonly format?: number }
  | { readonly kind: 'write-attributes'; readonly path: Lwm2mPath; readonly attributes: NotificationAttributes }
  | { readonly kind: 'execute'; readonly path: Lwm2mPath; readonly arguments?: string }
  | { readonly kind: 'create'; readonly path: Lwm2mPath; readonly format?: number }
  | { readonly kind: 'delete'; readonly path: Lwm2mPath }
  | { readonly kind: 'read-composite' | 'observe-composite'; readonly requestFormat: number; readonly format?: number }
  | { readonly kind: 'write-composite'; readonly format: number };

export interface ParseDownlinkOptions {
  /** Which interface the request arrived on: from a bootstrap server, or from an LwM2M server. */
  readonly interface: 'bootstrap' | 'dm';
  readonly model?: ObjectRegistry;
}

function bad(message: string): InvalidRequestError {
  return new InvalidRequestError(InvalidRequestCode.BadRequest, message);
}
function notAllowed(message: string): InvalidRequestError {
  return new InvalidRequestError(InvalidRequestCode.MethodNotAllowed, message);
}

function toPathOrThrow(segments: readonly string[]): Lwm2mPath {
  // A trailing empty segment (`/3/0/`) names the same node.
  const segs = segments.length > 0 && segments[segments.length - 1] === '' ? segments.slice(0, -1) : segments;
  try {
    return pathFromSegments(segs);
  } catch (e) {
    if (e instanceof InvalidPathError) throw new InvalidRequestError(InvalidRequestCode.UnknownRoute, e.message, undefined, e);
    throw e;
  }
}

function attributesOf(query: readonly string[]): NotificationAttributes {
  const q = parseQuery(query);
  const out: Record<string, number | null> = {};
  for (const [k, v] of q) {
    if (!(NOTIFICATION_ATTRIBUTE_NAMES as readonly string[]).includes(k)) throw bad(`unknown attribute '${k.slice(0, 20)}'`);
    if (v === '') out[k] = null;
    else {
      const n = Number(v);
      if (!/^-?\d+(\.\d+)?$/.test(v) || !Number.isFinite(n)) throw bad(`attribute ${k} must be a number`);
      // Periods are whole seconds; the step is a distance: neither is negative (TS Core §5.1.2).
      if ((k === 'pmin' || k === 'pmax' || k === 'epmin' || k === 'epmax') && (!Number.isInteger(n) || n < 0)) throw bad(`attribute ${k} must be a whole number of seconds`);
      if (k === 'st' && n < 0) throw bad('attribute st must not be negative');
      out[k] = n;
    }
  }
  return out as NotificationAttributes;
}

function depthParam(query: readonly string[]): number | undefined {
  const v = parseQuery(query).get('depth');
  if (v === undefined) return undefined;
  if (!/^[0-3]$/.test(v)) throw bad('depth must be 0..3');
  return Number(v);
}

const withFormat = (f: number | undefined): { format?: number } => (f !== undefined ? { format: f } : {});

/**
 * The DM-interface operation a request is (TS Transport §6.4): GET (read, observe, cancel-observe,
 * discover with Accept link-format), PUT (write replace; write-attributes with no payload), POST
 * (create on an object, partial update on an instance, execute on a resource), DELETE (instance),
 * FETCH / IPATCH on the root (composite). Throws `InvalidRequestError`: 4.04 for a path that is not
 * an LwM2M path, 4.05 for a method that does not apply to that depth, 4.00 for bad query values.
 */
export function classifyDownlinkRequest(req: IncomingCoapRequest): DownlinkOperation {
  if (req.method === 'FETCH' || req.method === 'IPATCH') {
    if (req.path.filter((s) => s !== '').length > 0) throw notAllowed('composite operations target the root path');
    if (req.contentFormat === undefined) throw bad('a payload needs a Content-Format');
    if (req.method === 'IPATCH') return { kind: 'write-composite', format: req.contentFormat };
    return { kind: req.observe === 0 ? 'observe-composite' : 'read-composite', requestFormat: req.contentFormat, ...withFormat(req.accept) };
  }
  const path = toPathOrThrow(req.path);
  switch (req.method) {
    case 'GET':
      if (req.accept === ContentFormat.Link) {
        if (path.isRoot() || path.depth > 3) throw notAllowed('discover targets an object, instance or resource');
        const depth = depthParam(req.query);
        return { kind: 'discover', path, ...(depth !== undefined ? { depth } : {}) };
      }
      if (path.isRoot()) throw notAllowed('read targets an object or below');
      if (req.observe === 0) return { kind: 'observe', path, ...withFormat(req.accept) };
      if (req.observe === 1) return { kind: 'cancel-observe', path, ...withFormat(req.accept) };
      return { kind: 'read', path, ...withFormat(req.accept) };
    case 'PUT':
      if (req.payload.length === 0 && req.contentFormat === undefined && req.query.some((q) => q !== '')) {
        if (path.isRoot() || path.depth > 3) throw notAllowed('write-attributes targets an object, instance or resource');
        return { kind: 'write-attributes', path, attributes: attributesOf(req.query.filter((q) => q !== '')) };
      }
      if (path.depth < 2) throw notAllowed('write targets an object instance, resource or resource instance');
      return { kind: 'write', path, mode: 'replace', ...withFormat(req.contentFormat) };
    case 'POST':
      if (path.depth === 1) return { kind: 'create', path, ...withFormat(req.contentFormat) };
      if (path.depth === 2) return { kind: 'write', path, mode: 'update', ...withFormat(req.contentFormat) };
      if (path.depth === 3) return { kind: 'execute', path, ...(req.payload.length > 0 ? { arguments: new TextDecoder().decode(req.payload) } : {}) };
      throw notAllowed('POST cannot target this path');
    case 'DELETE':
      if (path.depth !== 2) throw notAllowed('delete targets an object instance');
      return { kind: 'delete', path };
    default:
      throw notAllowed(`${req.method} is not an LwM2M operation`);
  }
}

function nodeAt(req: IncomingCoapRequest, format: number | undefined, path: Lwm2mPath, model: ObjectRegistry | undefined): { node: Lwm2mNode; format: number } {
  if (format === undefined) throw bad('a payload needs a Content-Format');
  return { node: decodeNode(req.payload, format, { path, ...(model ? { model } : {}) }), format };
}

/** A Create's resources and, when the payload names one, the instance id. */
function createContent(req: IncomingCoapRequest, format: number | undefined, path: Lwm2mPath, model: ObjectRegistry | undefined): { instanceId?: number; resources: readonly Lwm2mResource[] } {
  if (req.payload.length === 0) return { resources: [] };
  if (format === undefined) throw bad('a payload needs a Content-Format');
  if (format === ContentFormat.Tlv && decodeTlv(req.payload).every((e) => e.type === TlvType.Resource || e.type === TlvType.MultipleResource)) {
    // Resources at the top level: the client chooses the id.
    const node = decodeNode(req.payload, format, { path: Lwm2mPath.of([path.objectId as number, 0]), ...(model ? { model } : {}) });
    return { resources: node.kind === 'objectInstance' ? node.resources : [] };
  }
  const node = decodeNode(req.payload, format, { path, ...(model ? { model } : {}) });
  const instance = node.kind === 'objectInstance' ? node : node.kind === 'object' && node.instances.length === 1 ? node.instances[0] : undefined;
  if (!instance) throw bad('create carries exactly one object instance');
  return { instanceId: instance.id, resources: instance.resources };
}

/**
 * Parses a server-initiated request with its payload: the DM interface (see
 * `classifyDownlinkRequest`) or the bootstrap interface (write, delete, discover, finish).
 */
export function parseDownlinkRequest(req: IncomingCoapRequest, options: ParseDownlinkOptions): DownlinkRequest | BootstrapDownlinkRequest {
  const model = options.model;
  if (options.interface === 'bootstrap') {
    if (req.path.length === 1 && req.path[0] === 'bs') {
      if (req.method !== 'POST') throw notAllowed('bootstrap-finish must be POST');
      return { kind: 'bootstrap-finish' };
    }
    const path = toPathOrThrow(req.path);
    switch (req.method) {
      case 'PUT': {
        if (path.isRoot()) throw bad('bootstrap-write needs an object, instance or resource path');
        return { kind: 'bootstrap-write', path, ...nodeAt(req, req.contentFormat, path, model) };
      }
      case 'DELETE':
        return { kind: 'bootstrap-delete', path };
      case 'GET':
        if (path.depth > 1) throw bad('bootstrap-discover targets the root or an object');
        return { kind: 'bootstrap-discover', path };
      default:
        throw notAllowed(`${req.method} is not a bootstrap operation`);
    }
  }
  const op = classifyDownlinkRequest(req);
  switch (op.kind) {
    case 'write':
      return { kind: 'write', path: op.path, mode: op.mode, ...nodeAt(req, op.format, op.path, model) };
    case 'create': {
      const content = createContent(req, op.format, op.path, model);
      return { kind: 'create', path: op.path, ...content, format: op.format ?? ContentFormat.Tlv };
    }
    case 'read-composite':
    case 'observe-composite':
      return { ...op, paths: decodeCompositePaths(req.payload, op.requestFormat) };
    case 'write-composite':
      return { kind: 'write-composite', nodes: decodeNodes(req.payload, op.format, model ? { model } : {}), format: op.format };
    default:
      return op;
  }
}

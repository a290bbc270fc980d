/**
 * The one parser of client-initiated (uplink) requests, used by the LwM2M server (Register, Update,
 * De-register, Send) and the bootstrap server (Bootstrap-Request). Its rules are stated as a table
 * in the package README ("Uplink requests"); keep the two in step.
 */
import { parseRegistrationLinks } from '../codec/linkPayloads.js';
import { decodeNodes } from '../codec/Lwm2mCodec.js';
import { CodecError, CodecErrorCode } from '../codec/CodecError.js';
import { ContentFormat } from '../ContentFormat.js';
import type { ObjectRegistry } from '../model/ObjectRegistry.js';
import { intParam, parseQuery, type IncomingCoapRequest } from './coapMapping.js';
import { InvalidRequestCode, InvalidRequestError } from './InvalidRequestError.js';
import type { BootstrapRequestRequest, DeregisterRequest, RegisterRequest, SendRequest, UpdateRequest, UplinkRequest } from './Lwm2mRequest.js';

/** Register's `lt` when the client sends none (TS Core §6.2.1). */
export const DEFAULT_LIFETIME_S = 86400;
/** The LwM2M enabler versions this implementation serves (`lwm2m=`); others are answered 4.12. */
export const SUPPORTED_LWM2M_VERSIONS: readonly string[] = ['1.0', '1.1', '1.2'];

/** Which uplink operations a caller accepts; a request for another is 4.04 (bootstrap server: only Bootstrap-Request). */
export type UplinkKind = UplinkRequest['kind'];

/** What a Register/Update link-format payload says. */
export type RegistrationPayload = Pick<RegisterRequest, 'rootPath' | 'objectLinks' | 'supportedContentFormats'>;

export interface ParseUplinkOptions {
  /** Object definitions used to type the values of a Send. */
  readonly model?: ObjectRegistry;
  /** Operations served at this endpoint; default all. */
  readonly accept?: readonly UplinkKind[];
  /**
   * Parses a Register/Update link-format payload (default `parseRegistrationLinks`); a server may
   * pass a caching/interning wrapper. Throws `CodecError` on a malformed payload.
   */
  readonly links?: (payload: Uint8Array) => RegistrationPayload;
}

// 1..255 characters, no whitespace or control characters, no `&`/`?` (a badly split query).
const ENDPOINT = /^[^\s\u0000-\u001f\u007f-\u009f&?]{1,255}$/u;
// U (UDP), M (MQTT, 1.2), H (HTTP, 1.2), T (TCP), S (SMS), N (Non-IP); Q: 1.0 queue mode.
const BINDING = /^[UMHTSNQ]{1,7}$/;
const VERSION = /^\d{1,3}\.\d{1,3}$/;
const SMS = /^\+?\d{1,20}$/;
const REGISTRATION_ID = /^[A-Za-z0-9_-]{1,64}$/;

function invalid(param: string, message: string): InvalidRequestError {
  return new InvalidRequestError(InvalidRequestCode.BadRequest, message, { param });
}

function notFound(message: string): InvalidRequestError {
  return new InvalidRequestError(InvalidRequestCode.UnknownRoute, message);
}

function method(req: IncomingCoapRequest, expected: 'POST' | 'DELETE', op: string): void {
  if (req.method !== expected) throw new InvalidRequestError(InvalidRequestCode.MethodNotAllowed, `${op} must be ${expected}`);
}

type Query = Map<string, string>;

function endpointOf(q: Query, op: string): string {
  const ep = q.get('ep');
  if (ep === undefined || ep === '') throw invalid('ep', `${op} needs an endpoint name (ep)`);
  if (!ENDPOINT.test(ep)) throw invalid('ep', 'ep must be 1 to 255 characters without spaces, control characters, & or ?');
  return ep;
}

function bindingOf(q: Query): string | undefined {
  const b = q.get('b');
  if (b === undefined) return undefined;
  if (!BINDING.test(b) || new Set(b).size !== b.length) throw invalid('b', 'b must be binding letters from U, M, H, T, S, N, Q, each at most once');
  return b;
}

function smsOf(q: Query): string | undefined {
  const sms = q.get('sms');
  if (sms === undefined) return undefined;
  if (!SMS.test(sms)) throw invalid('sms', 'sms must be an MSISDN: an optional + and 1 to 20 digits');
  return sms;
}

function queueParam(q: Query): boolean {
  const v = q.get('Q');
  if (v === undefined) return false;
  if (v !== '') throw invalid('Q', 'Q takes no value');
  return true;
}

function versionOf(q: Query): string {
  const v = q.get('lwm2m');
  if (v === undefined) return '1.0'; // pre-1.0 clients send none
  if (!VERSION.test(v)) throw invalid('lwm2m', 'lwm2m must be an enabler version major.minor, e.g. 1.1');
  if (!SUPPORTED_LWM2M_VERSIONS.includes(v)) {
    throw new InvalidRequestError(InvalidRequestCode.UnsupportedVersion, `LwM2M ${v} is not supported (${SUPPORTED_LWM2M_VERSIONS.join(', ')})`, { param: 'lwm2m' });
  }
  return v;
}

function linksOf(req: IncomingCoapRequest, options: ParseUplinkOptions): RegistrationPayload | undefined {
  if (req.payload.length === 0) return undefined;
  if (req.contentFormat !== undefined && req.contentFormat !== ContentFormat.Link) {
    throw new CodecError(CodecErrorCode.Unsupported, 'registration payload must be link format', { format: req.contentFormat });
  }
  return (options.links ?? parseRegistrationLinks)(req.payload);
}

function bootstrapRequest(req: IncomingCoapRequest): BootstrapRequestRequest {
  method(req, 'POST', 'bootstrap-request');
  const q = parseQuery(req.query);
  const endpoint = endpointOf(q, 'bootstrap-request');
  const pct = intParam(q, 'pct', 0, 65535);
  return { kind: 'bootstrap-request', endpoint, ...(pct !== undefined ? { preferredContentFormat: pct } : {}) };
}

function register(req: IncomingCoapRequest, options: ParseUplinkOptions): RegisterRequest {
  method(req, 'POST', 'register');
  const q = parseQuery(req.query);
  const endpoint = endpointOf(q, 'register');
  const lifetime = intParam(q, 'lt', 1, 0xffffffff) ?? DEFAULT_LIFETIME_S;
  const lwm2mVersion = versionOf(q);
  const binding = bindingOf(q) ?? 'U';
  const queueMode = queueParam(q) || binding.includes('Q');
  const sms = smsOf(q);
  const links = linksOf(req, options);
  return {
    kind: 'register',
    endpoint,
    lifetime,
    lwm2mVersion,
    binding,
    queueMode,
    ...(sms !== undefined ? { smsNumber: sms } : {}),
    rootPath: links?.rootPath ?? '/',
    objectLinks: links?.objectLinks ?? [],
    ...(links?.supportedContentFormats ? { supportedContentFormats: links.supportedContentFormats } : {}),
  };
}

function update(req: IncomingCoapRequest, registrationId: string, options: ParseUplinkOptions): UpdateRequest {
  const q = parseQuery(req.query);
  if (q.has('ep')) throw invalid('ep', 'the endpoint name cannot change in an Update');
  const lifetime = intParam(q, 'lt', 1, 0xffffffff);
  const binding = bindingOf(q);
  const queue = queueParam(q);
  const sms = smsOf(q);
  const links = linksOf(req, options);
  const queueMode = binding !== undefined ? queue || binding.includes('Q') : queue ? true : undefined;
  return {
    kind: 'update',
    registrationId,
    ...(lifetime !== undefined ? { lifetime } : {}),
    ...(binding !== undefined ? { binding } : {}),
    ...(sms !== undefined ? { smsNumber: sms } : {}),
    ...(queueMode !== undefined ? { queueMode } : {}),
    ...(links ? { objectLinks: links.objectLinks } : {}),
    ...(links?.supportedContentFormats ? { supportedContentFormats: links.supportedContentFormats } : {}),
  };
}

function send(req: IncomingCoapRequest, options: ParseUplinkOptions): SendRequest {
  method(req, 'POST', 'send');
  if (req.contentFormat === undefined) throw invalid('Content-Format', 'send needs a Content-Format');
  const nodes = decodeNodes(req.payload, req.contentFormat, options.model ? { model: options.model } : {});
  return { kind: 'send', nodes, format: req.contentFormat };
}

/** Which operation the URI and method name; 4.04 for a URI that names none. */
function kindOf(req: IncomingCoapRequest): UplinkKind {
  const [first, second, ...rest] = req.path;
  if (rest.length === 0 && second === undefined && first === 'dp') return 'send';
  if (rest.length === 0 && second === undefined && first === 'bs') return 'bootstrap-request';
  if (rest.length > 0 || first !== 'rd') throw notFound('no LwM2M operation at this URI');
  if (second === undefined) return 'register';
  if (!REGISTRATION_ID.test(second)) throw notFound('invalid registration id');
  return req.method === 'DELETE' ? 'deregister' : 'update';
}

/**
 * Parses a client-initiated request: `POST /bs?ep=` (bootstrap-request), `POST /rd?ep=` (register),
 * `POST /rd/<id>` (update), `DELETE /rd/<id>` (deregister), `POST /dp` (send). Throws
 * `InvalidRequestError` (`details.param` names the offending query parameter) or `CodecError` (bad
 * payload); `errorResponseCode` gives the CoAP answer. The rules: the package README's table.
 */
export function parseUplinkRequest(req: IncomingCoapRequest, options: ParseUplinkOptions = {}): UplinkRequest {
  const kind = kindOf(req);
  if (options.accept && !options.accept.includes(kind)) throw notFound(`no ${kind} at this endpoint`);
  const registrationId = req.path[1] as string;
  switch (kind) {
    case 'send':
      return send(req, options);
    case 'bootstrap-request':
      return bootstrapRequest(req);
    case 'register':
      return register(req, options);
    case 'deregister':
      return { kind: 'deregister', registrationId } satisfies DeregisterRequest;
    case 'update':
      method(req, 'POST', 'update');
      return update(req, registrationId, options);
  }
}

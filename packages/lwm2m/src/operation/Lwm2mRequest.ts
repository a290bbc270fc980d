/**
 * Every LwM2M operation as one discriminated union (`kind`), with the response type tied to the
 * request kind (`Lwm2mResponseFor<R>`). No CoAP type appears here; `coapMapping.ts` maps both ways.
 */
import type { CodecError } from '../codec/CodecError.js';
import type { PathNode } from '../codec/Lwm2mCodec.js';
import type { CoreLink } from '../codec/wire/linkFormat.js';
import type { Lwm2mError } from '../Lwm2mError.js';
import type { Lwm2mNode, Lwm2mResource } from '../node/Lwm2mNode.js';
import type { Lwm2mPath } from '../path/Lwm2mPath.js';
import type { RegisteredObjectLink } from '../store/RegistrationStore.js';

/** Names of the notification attributes, in the order they are written. */
export const NOTIFICATION_ATTRIBUTE_NAMES = ['pmin', 'pmax', 'gt', 'lt', 'st', 'epmin', 'epmax'] as const;

/** Notification attributes of Write-Attributes (TS Core §5.1.2); `null` clears an attribute. */
export interface NotificationAttributes {
  readonly pmin?: number | null;
  readonly pmax?: number | null;
  readonly gt?: number | null;
  readonly lt?: number | null;
  readonly st?: number | null;
  readonly epmin?: number | null;
  readonly epmax?: number | null;
}

// ---- Device Management & Service Enablement, Information Reporting (server -> client) ----

export interface ReadRequest {
  readonly kind: 'read';
  readonly path: Lwm2mPath;
  /** Accept; absent lets the client choose. */
  readonly format?: number;
}
export interface DiscoverRequest {
  readonly kind: 'discover';
  readonly path: Lwm2mPath;
  readonly depth?: number;
}
export interface WriteRequest {
  readonly kind: 'write';
  readonly path: Lwm2mPath;
  /** `replace` = PUT (the whole instance/resource), `update` = POST (partial update). */
  readonly mode: 'replace' | 'update';
  readonly node: Lwm2mNode;
  readonly format: number;
}
export interface WriteAttributesRequest {
  readonly kind: 'write-attributes';
  readonly path: Lwm2mPath;
  readonly attributes: NotificationAttributes;
}
export interface ExecuteRequest {
  readonly kind: 'execute';
  readonly path: Lwm2mPath;
  /** Execute arguments (TS Core §5.4.5), e.g. `0='a',1`. */
  readonly arguments?: string;
}
export interface CreateRequest {
  readonly kind: 'create';
  /** An object path. */
  readonly path: Lwm2mPath;
  /** The instance id asked for; absent lets the client choose (the 2.01 Location-Path gives it back). */
  readonly instanceId?: number;
  readonly resources: readonly Lwm2mResource[];
  readonly format: number;
}
export interface DeleteRequest {
  readonly kind: 'delete';
  readonly path: Lwm2mPath;
}
export interface ObserveRequest {
  readonly kind: 'observe';
  readonly path: Lwm2mPath;
  readonly format?: number;
}
/** Active cancel: GET with Observe: 1 on the observation's token. */
export interface CancelObserveRequest {
  readonly kind: 'cancel-observe';
  readonly path: Lwm2mPath;
  readonly format?: number;
}
export interface ReadCompositeRequest {
  readonly kind: 'read-composite';
  readonly paths: readonly Lwm2mPath[];
  /** Content format of the request body (the path list): SenML-JSON or SenML-CBOR. */
  readonly requestFormat: number;
  /** Accept of the response; defaults to `requestFormat`. */
  readonly format?: number;
}
export interface ObserveCompositeRequest {
  readonly kind: 'observe-composite';
  readonly paths: readonly Lwm2mPath[];
  readonly requestFormat: number;
  readonly format?: number;
}
export interface WriteCompositeRequest {
  readonly kind: 'write-composite';
  readonly nodes: readonly PathNode[];
  readonly format: number;
}

// ---- Bootstrap interface ----

/** Client -> bootstrap server: `POST /bs?ep=…[&pct=…]`. */
export interface BootstrapRequestRequest {
  readonly kind: 'bootstrap-request';
  readonly endpoint: string;
  /** Preferred content format (`pct`, LwM2M 1.1). */
  readonly preferredContentFormat?: number;
}
export interface BootstrapWriteRequest {
  readonly kind: 'bootstrap-write';
  readonly path: Lwm2mPath;
  readonly node: Lwm2mNode;
  readonly format: number;
}
export interface BootstrapDeleteRequest {
  readonly kind: 'bootstrap-delete';
  /** `/` deletes everything deletable. */
  readonly path: Lwm2mPath;
}
export interface BootstrapDiscoverRequest {
  readonly kind: 'bootstrap-discover';
  /** `/` or an object path. */
  readonly path: Lwm2mPath;
}
export interface BootstrapFinishRequest {
  readonly kind: 'bootstrap-finish';
}

// ---- Registration interface (client -> server) ----

export interface RegisterRequest {
  readonly kind: 'register';
  readonly endpoint: string;
  /** Seconds; default 86400. */
  readonly lifetime: number;
  /** Default `1.0` when the client sends none. */
  readonly lwm2mVersion: string;
  /** Default `U`. */
  readonly binding: string;
  readonly queueMode: boolean;
  readonly smsNumber?: string;
  readonly rootPath: string;
  readonly objectLinks: readonly RegisteredObjectLink[];
  readonly supportedContentFormats?: readonly number[];
}
export interface UpdateRequest {
  readonly kind: 'update';
  /** The id from the Location-Path `/rd/<id>`. */
  readonly registrationId: string;
  readonly lifetime?: number;
  readonly binding?: string;
  readonly smsNumber?: string;
  readonly queueMode?: boolean;
  readonly objectLinks?: readonly RegisteredObjectLink[];
  readonly supportedContentFormats?: readonly number[];
}
export interface DeregisterRequest {
  readonly kind: 'deregister';
  readonly registrationId: string;
}

/** Information Reporting "Send" (LwM2M 1.1): `POST /dp` with SenML values, client -> server. */
export interface SendRequest {
  readonly kind: 'send';
  readonly nodes: readonly PathNode[];
  readonly format: number;
}

export type DownlinkRequest =
  | ReadRequest
  | DiscoverRequest
  | WriteRequest
  | WriteAttributesRequest
  | ExecuteRequest
  | CreateRequest
  | DeleteRequest
  | ObserveRequest
  | CancelObserveRequest
  | ReadCompositeRequest
  | ObserveCompositeRequest
  | WriteCompositeRequest;

export type BootstrapDownlinkRequest = BootstrapWriteRequest | BootstrapDeleteRequest | BootstrapDiscoverRequest | BootstrapFinishRequest;

/** Requests a client sends (to the bootstrap server or the LwM2M server). */
export type UplinkRequest = BootstrapRequestRequest | RegisterRequest | UpdateRequest | DeregisterRequest | SendRequest;

export type Lwm2mRequest = DownlinkRequest | BootstrapDownlinkRequest | UplinkRequest;
export type Lwm2mRequestKind = Lwm2mRequest['kind'];

// ---- Responses ----

export interface Lwm2mFailure {
  readonly ok: false;
  /** CoAP response code, e.g. `4.04`. */
  readonly code: string;
  /** Set when the response could not be decoded, or the exchange failed locally. */
  readonly error?: Lwm2mError | CodecError;
  /** Diagnostic payload text of an error response, if any. */
  readonly message?: string;
}

export type Lwm2mSuccess<T> = { readonly ok: true; readonly code: string } & T;
export type Lwm2mResult<T = object> = Lwm2mSuccess<T> | Lwm2mFailure;

export type ReadResponse = Lwm2mResult<{ readonly node: Lwm2mNode; readonly format: number }>;
export type DiscoverResponse = Lwm2mResult<{ readonly links: readonly CoreLink[] }>;
export type CreateResponse = Lwm2mResult<{ readonly location?: Lwm2mPath }>;
export type ObserveResponse = Lwm2mResult<{ readonly node: Lwm2mNode; readonly format: number; readonly observe?: number }>;
export type CompositeResponse = Lwm2mResult<{ readonly nodes: readonly PathNode[]; readonly format: number }>;
export type RegisterResponse = Lwm2mResult<{ readonly registrationId: string }>;
export type EmptyResponse = Lwm2mResult;

/** Maps each request kind to its response type. */
export interface Lwm2mResponseMap {
  read: ReadResponse;
  discover: DiscoverResponse;
  write: EmptyResponse;
  'write-attributes': EmptyResponse;
  execute: EmptyResponse;
  create: CreateResponse;
  delete: EmptyResponse;
  observe: ObserveResponse;
  'cancel-observe': ObserveResponse;
  'read-composite': CompositeResponse;
  'observe-composite': CompositeResponse;
  'write-composite': EmptyResponse;
  'bootstrap-request': EmptyResponse;
  'bootstrap-write': EmptyResponse;
  'bootstrap-delete': EmptyResponse;
  'bootstrap-discover': DiscoverResponse;
  'bootstrap-finish': EmptyResponse;
  register: RegisterResponse;
  update: EmptyResponse;
  deregister: EmptyResponse;
  send: EmptyResponse;
}

/** `Lwm2mResponseFor<ReadRequest>` is `ReadResponse`, and so on. */
export type Lwm2mResponseFor<R extends Lwm2mRequest> = Lwm2mResponseMap[R['kind']];

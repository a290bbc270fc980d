/** Shapes of the REST API's answers, as the console reads them (see /api/openapi.json). */

export type Role = 'admin' | 'user' | 'application';

export interface Session {
  readonly token: string;
  readonly username: string;
  readonly role: Role;
  readonly clearance: number;
  /** Unix ms when the token expires. */
  readonly expiresAt: number;
}

export interface ObjectLink {
  readonly path: string;
  readonly version?: string;
}

export interface ClientView {
  readonly endpoint: string;
  readonly registrationId: string;
  readonly lifetime: number;
  readonly lwm2mVersion: string;
  readonly binding: string;
  readonly queueMode: boolean;
  readonly rootPath: string;
  readonly objectLinks: readonly ObjectLink[];
  readonly address: string;
  readonly secure: boolean;
  readonly identity?: string;
  readonly registeredAt: string;
  readonly lastUpdateAt: string;
}

export interface Page<T> {
  readonly total: number;
  readonly items: readonly T[];
}

export interface ResourceNodeJson {
  readonly kind: 'singleResource' | 'resourceInstance';
  readonly id: number;
  readonly type: string;
  readonly value: unknown;
}
export interface MultipleResourceJson {
  readonly kind: 'multipleResource';
  readonly id: number;
  readonly type: string;
  readonly values: Readonly<Record<string, unknown>>;
}
export interface InstanceJson {
  readonly kind: 'objectInstance';
  readonly id: number;
  readonly resources: readonly (ResourceNodeJson | MultipleResourceJson)[];
}
export interface ObjectJson {
  readonly kind: 'object';
  readonly id: number;
  readonly instances: readonly InstanceJson[];
}
export type NodeJson = ResourceNodeJson | MultipleResourceJson | InstanceJson | ObjectJson;

export interface ResourceModelJson {
  readonly id: number;
  readonly name: string;
  readonly operations: string;
  readonly multiple: boolean;
  readonly mandatory: boolean;
  readonly type: string;
  readonly units?: string;
  readonly description?: string;
}
export interface ObjectModelJson {
  readonly id: number;
  readonly name: string;
  readonly version: string;
  readonly multiple: boolean;
  readonly mandatory: boolean;
  readonly description?: string;
  readonly resources: readonly ResourceModelJson[];
}

export interface EndpointView {
  readonly endpoint: string;
  readonly identity?: string;
  readonly bsIdentity?: string;
  readonly clearance?: number;
  readonly lifetime?: number;
  readonly binding?: string;
  readonly registrar?: string;
  readonly createdAt?: number;
  readonly [key: string]: unknown;
}

export interface EndpointSecrets {
  readonly endpoint: string;
  readonly identity: string;
  readonly pskHex: string;
  readonly bsIdentity: string;
  readonly bsPskHex: string;
}

export interface UserView {
  readonly username: string;
  readonly role: Role;
  readonly clearance: number;
  readonly active: boolean;
  readonly email?: string;
}

export interface AnomalyView {
  readonly endpoint: string;
  readonly kind: string;
  readonly severity: number;
  readonly value?: string;
  readonly collectedAt: number | string;
  readonly [key: string]: unknown;
}

/** One event from `/api/events` (the SSE `event:` name and its JSON `data:`). */
export interface ApiEvent {
  readonly type: string;
  readonly endpoint: string;
  readonly data: Readonly<Record<string, unknown>>;
}

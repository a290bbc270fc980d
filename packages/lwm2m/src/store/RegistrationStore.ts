/**
 * Registrations of LwM2M clients with the LwM2M server (Register/Update/De-register).
 */

/** One object or object instance announced in the registration's link-format payload. */
export interface RegisteredObjectLink {
  /** e.g. `/3/0` or `/3303` */
  readonly path: string;
  readonly objectId: number;
  readonly instanceId?: number;
  /** `ver` attribute, e.g. `1.1` */
  readonly version?: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface TransportAddress {
  readonly address: string;
  readonly port: number;
}

export interface Registration {
  /** Server-assigned id; the Location-Path is `/rd/<id>`. Stable across an Update. */
  readonly id: string;
  readonly endpoint: string;
  readonly lifetime: number;
  readonly lwm2mVersion: string;
  readonly binding: string;
  readonly queueMode: boolean;
  readonly smsNumber?: string;
  readonly objectLinks: readonly RegisteredObjectLink[];
  /** Alternate path (`rt="oma.lwm2m"` root), default `/`. */
  readonly rootPath: string;
  /** Content formats the client announced (`ct`), if any. */
  readonly supportedContentFormats?: readonly number[];
  readonly address: TransportAddress;
  /** The authenticated PSK identity, absent for NoSec. */
  readonly identity?: string;
  /** Unix milliseconds. */
  readonly registeredAt: number;
  readonly lastUpdateAt: number;
}

export interface RegistrationUpdate {
  readonly id: string;
  readonly lifetime?: number;
  readonly binding?: string;
  readonly smsNumber?: string;
  readonly objectLinks?: readonly RegisteredObjectLink[];
  readonly address?: TransportAddress;
  readonly at: number;
}

export interface RegistrationStore {
  getById(id: string): Promise<Registration | undefined>;
  getByEndpoint(endpoint: string): Promise<Registration | undefined>;
  /** Every registration, in no particular order, paged. */
  list(offset: number, limit: number): Promise<readonly Registration[]>;
  count(): Promise<number>;
}

export interface EditableRegistrationStore extends RegistrationStore {
  /** Adds a registration; returns the registration it replaced for the same endpoint, if any. */
  add(registration: Registration): Promise<Registration | undefined>;
  /** Applies an update; returns the new state, `undefined` when the id is unknown. */
  update(update: RegistrationUpdate): Promise<Registration | undefined>;
  /** Returns the removed registration, `undefined` when the id is unknown. */
  remove(id: string): Promise<Registration | undefined>;
  /** Removes and returns every registration whose lifetime expired at `now` (Unix ms). */
  removeExpired(now: number): Promise<readonly Registration[]>;
}

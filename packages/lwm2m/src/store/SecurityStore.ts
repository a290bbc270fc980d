/**
 * Credentials of LwM2M endpoints, as the servers see them. Implementations: `InMemorySecurityStore`
 * (tests), `ChainSecurityStore` (`@chainm2m/chain-adapter`, backed by the ClientStore contract).
 * Keys here are the *unsealed* PSKs: only a process holding the sealing private key produces them.
 */

/** One PSK account (bootstrap or LwM2M server) of an endpoint. */
export interface PskAccount {
  /** e.g. `coaps://bs.example.com:5784` */
  readonly serverUri: string;
  /** PSK identity as sent in the DTLS ClientKeyExchange (UTF-8 text in practice). */
  readonly identity: string;
  /** Raw pre-shared key bytes. Never log this. */
  readonly key: Uint8Array;
}

export interface ServerAccount extends PskAccount {
  readonly shortServerId: number;
  /** Registration lifetime in seconds. */
  readonly lifetime: number;
  /** Binding mode, e.g. `U`, `UQ`. */
  readonly binding: string;
}

/** Everything known about one endpoint's credentials. */
export interface SecurityInfo {
  readonly endpoint: string;
  readonly bootstrap: PskAccount;
  readonly server: ServerAccount;
  /** Clearance level (0 = lowest) used for provenance checks. */
  readonly clearance: number;
  /** Address (or name) of who registered the endpoint. */
  readonly registrar: string;
  /** Unix seconds. */
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Which account of an endpoint a PSK identity belongs to. */
export type AccountKind = 'bootstrap' | 'server';

export interface IdentityMatch {
  readonly info: SecurityInfo;
  readonly account: AccountKind;
}

/** Read side: what a DTLS handshake and the registration check need. */
export interface SecurityStore {
  /** `undefined` when the endpoint is unknown. */
  getByEndpoint(endpoint: string): Promise<SecurityInfo | undefined>;
  /** Looks the identity up among both accounts of every endpoint; `undefined` when unknown. */
  getByIdentity(identity: string): Promise<IdentityMatch | undefined>;
}

export type SecurityChange =
  | { readonly kind: 'added'; readonly info: SecurityInfo }
  | { readonly kind: 'updated'; readonly info: SecurityInfo; readonly previous: SecurityInfo | undefined }
  | { readonly kind: 'removed'; readonly endpoint: string; readonly compromised: boolean; readonly previous: SecurityInfo | undefined };

export type SecurityListener = (change: SecurityChange) => void;

export interface SecurityListPage {
  readonly items: readonly SecurityInfo[];
  /** Total number of endpoints in the store. */
  readonly total: number;
}

/** Write side. Adds reject duplicates of endpoint or of either identity. */
export interface EditableSecurityStore extends SecurityStore {
  add(info: SecurityInfo): Promise<void>;
  /** Adds many in as few round trips/transactions as the backend allows. All-or-nothing. */
  addMany(infos: readonly SecurityInfo[]): Promise<void>;
  /** Replaces the record of `info.endpoint` (key rotation). Rejects an unknown endpoint. */
  update(info: SecurityInfo): Promise<void>;
  /** Resolves `true` when something was removed. */
  remove(endpoint: string, compromised: boolean): Promise<boolean>;
  count(): Promise<number>;
  list(offset: number, limit: number): Promise<SecurityListPage>;
  /** Fires after a change is visible to reads. Returns an unsubscribe function. */
  addListener(listener: SecurityListener): () => void;
}

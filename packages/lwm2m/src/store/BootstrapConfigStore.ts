import type { SecurityInfo } from './SecurityStore.js';

/**
 * What the bootstrap server writes to a device: derived from the endpoint's ClientStore record.
 * Mirrors LwM2M objects 0 (Security) and 1 (Server).
 */
export interface BootstrapSecurityInstance {
  /** Instance id in /0 */
  readonly instanceId: number;
  readonly serverUri: string;
  readonly bootstrapServer: boolean;
  /** 0 = PSK, 3 = NoSec */
  readonly securityMode: 0 | 3;
  readonly pskIdentity: string;
  readonly pskKey: Uint8Array;
  /** absent for the bootstrap account */
  readonly shortServerId?: number;
}

export interface BootstrapServerInstance {
  readonly instanceId: number;
  readonly shortServerId: number;
  readonly lifetime: number;
  readonly binding: string;
  readonly notificationStoring?: boolean;
}

export interface BootstrapConfig {
  readonly endpoint: string;
  /** Paths deleted before writing, in order (e.g. `/0`, `/1`). The bootstrap account is kept by the client. */
  readonly toDelete: readonly string[];
  readonly security: readonly BootstrapSecurityInstance[];
  readonly servers: readonly BootstrapServerInstance[];
}

/** The bootstrap session as the config store sees it. */
export interface BootstrapSessionInfo {
  readonly endpoint: string;
  /** The authenticated PSK identity of the DTLS session, if any. */
  readonly identity?: string;
}

export interface BootstrapConfigStore {
  /** `undefined` when there is nothing to bootstrap for this endpoint. */
  get(session: BootstrapSessionInfo): Promise<BootstrapConfig | undefined>;
}

export interface EditableBootstrapConfigStore extends BootstrapConfigStore {
  /** Adds or replaces the configuration of `config.endpoint`. */
  set(config: BootstrapConfig): Promise<void>;
  remove(endpoint: string): Promise<boolean>;
}

/** Derives the standard bootstrap configuration from an endpoint's security record. */
export function bootstrapConfigFromSecurityInfo(info: SecurityInfo): BootstrapConfig {
  return {
    endpoint: info.endpoint,
    toDelete: ['/0', '/1'],
    security: [
      {
        instanceId: 0,
        serverUri: info.bootstrap.serverUri,
        bootstrapServer: true,
        securityMode: 0,
        pskIdentity: info.bootstrap.identity,
        pskKey: info.bootstrap.key,
      },
      {
        instanceId: 1,
        serverUri: info.server.serverUri,
        bootstrapServer: false,
        securityMode: 0,
        pskIdentity: info.server.identity,
        pskKey: info.server.key,
        shortServerId: info.server.shortServerId,
      },
    ],
    servers: [
      {
        instanceId: 0,
        shortServerId: info.server.shortServerId,
        lifetime: info.server.lifetime,
        binding: info.server.binding,
      },
    ],
  };
}

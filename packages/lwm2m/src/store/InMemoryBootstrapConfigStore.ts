import type { BootstrapConfig, BootstrapConfigStore, BootstrapSessionInfo, EditableBootstrapConfigStore } from './BootstrapConfigStore.js';
import { bootstrapConfigFromSecurityInfo } from './BootstrapConfigStore.js';
import type { SecurityStore } from './SecurityStore.js';

export interface InMemoryBootstrapConfigStoreOptions {
  /**
   * When set, an endpoint without an explicit configuration gets the one derived from its
   * security record (`bootstrapConfigFromSecurityInfo`).
   */
  readonly securityStore?: SecurityStore;
}

/**
 * `EditableBootstrapConfigStore` in a Map; explicit configurations win over derived ones (and are
 * returned whatever the session identity; derived ones follow `DerivedBootstrapConfigStore`).
 */
export class InMemoryBootstrapConfigStore implements EditableBootstrapConfigStore {
  private readonly configs = new Map<string, BootstrapConfig>();
  private readonly securityStore: SecurityStore | undefined;

  constructor(options: InMemoryBootstrapConfigStoreOptions = {}) {
    this.securityStore = options.securityStore;
  }

  async get(session: BootstrapSessionInfo): Promise<BootstrapConfig | undefined> {
    const explicit = this.configs.get(session.endpoint);
    if (explicit) return explicit;
    if (!this.securityStore) return undefined;
    return deriveFor(this.securityStore, session);
  }

  async set(config: BootstrapConfig): Promise<void> {
    this.configs.set(config.endpoint, config);
  }

  async remove(endpoint: string): Promise<boolean> {
    return this.configs.delete(endpoint);
  }
}

/**
 * The configuration derived from the endpoint's security record; `undefined` for an unknown
 * endpoint, and when the session authenticated with a PSK identity other than the endpoint's
 * bootstrap identity (defence in depth: the bootstrap server checks that first).
 */
async function deriveFor(securityStore: SecurityStore, session: BootstrapSessionInfo): Promise<BootstrapConfig | undefined> {
  const info = await securityStore.getByEndpoint(session.endpoint);
  if (!info) return undefined;
  if (session.identity !== undefined && session.identity !== info.bootstrap.identity) return undefined;
  return bootstrapConfigFromSecurityInfo(info);
}

/**
 * Read-only `BootstrapConfigStore` that derives every configuration from a `SecurityStore`
 * (the endpoint's ClientStore record in production), like `ChainBootstrapConfigStore`.
 */
export class DerivedBootstrapConfigStore implements BootstrapConfigStore {
  constructor(private readonly securityStore: SecurityStore) {}

  async get(session: BootstrapSessionInfo): Promise<BootstrapConfig | undefined> {
    return deriveFor(this.securityStore, session);
  }
}

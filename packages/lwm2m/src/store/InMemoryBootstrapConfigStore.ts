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

/** `EditableBootstrapConfigStore` in a Map; explicit configurations win over derived ones. */
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
    const info = await this.securityStore.getByEndpoint(session.endpoint);
    return info ? bootstrapConfigFromSecurityInfo(info) : undefined;
  }

  async set(config: BootstrapConfig): Promise<void> {
    this.configs.set(config.endpoint, config);
  }

  async remove(endpoint: string): Promise<boolean> {
    return this.configs.delete(endpoint);
  }
}

/**
 * Read-only `BootstrapConfigStore` that derives every configuration from a `SecurityStore`
 * (the endpoint's ClientStore record in production). Authorization of the session's identity is
 * the bootstrap server's job, not this store's.
 */
export class DerivedBootstrapConfigStore implements BootstrapConfigStore {
  constructor(private readonly securityStore: SecurityStore) {}

  async get(session: BootstrapSessionInfo): Promise<BootstrapConfig | undefined> {
    const info = await this.securityStore.getByEndpoint(session.endpoint);
    return info ? bootstrapConfigFromSecurityInfo(info) : undefined;
  }
}

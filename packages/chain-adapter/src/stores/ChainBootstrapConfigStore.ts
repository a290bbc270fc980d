/**
 * `BootstrapConfigStore` derived from the ClientStore record of the endpoint (through any
 * `SecurityStore`, normally a `ChainSecurityStore`, so it shares its cache).
 */
import { bootstrapConfigFromSecurityInfo, type BootstrapConfig, type BootstrapConfigStore, type BootstrapSessionInfo, type SecurityStore } from '@chainm2m/lwm2m';

export class ChainBootstrapConfigStore implements BootstrapConfigStore {
  constructor(private readonly security: SecurityStore) {}

  /**
   * `undefined` for an unknown endpoint, and when the session authenticated with a PSK identity
   * that is not this endpoint's bootstrap identity (a device cannot fetch another's keys).
   */
  async get(session: BootstrapSessionInfo): Promise<BootstrapConfig | undefined> {
    const info = await this.security.getByEndpoint(session.endpoint);
    if (!info) return undefined;
    if (session.identity !== undefined && session.identity !== info.bootstrap.identity) return undefined;
    return bootstrapConfigFromSecurityInfo(info);
  }
}

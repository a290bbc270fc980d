import type { BootstrapSecurityInstance, BootstrapServerInstance } from '@chainm2m/lwm2m';

/**
 * The resources the bootstrap server writes, typed as in the LwM2M object definitions of
 * Security (/0) and Server (/1), independent of the wire format.
 */
export type ResourceValue =
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'integer'; readonly value: number }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'opaque'; readonly value: Uint8Array };

export interface WritableResource {
  readonly id: number;
  /** `true` for PSK material: never logged, never put in an event. */
  readonly secret?: boolean;
  readonly value: ResourceValue;
}

/** LwM2M Security object (0) resource ids used here. */
export const SecurityResource = {
  ServerUri: 0,
  BootstrapServer: 1,
  SecurityMode: 2,
  PublicKeyOrIdentity: 3,
  SecretKey: 5,
  ShortServerId: 10,
} as const;

/** LwM2M Server object (1) resource ids used here. */
export const ServerResource = {
  ShortServerId: 0,
  Lifetime: 1,
  NotificationStoring: 6,
  Binding: 7,
} as const;

const utf8 = new TextEncoder();

/** Resources of one Security instance: URI, bootstrap flag, mode, identity (opaque), key, short id. */
export function securityResources(s: BootstrapSecurityInstance): WritableResource[] {
  const out: WritableResource[] = [
    { id: SecurityResource.ServerUri, value: { type: 'string', value: s.serverUri } },
    { id: SecurityResource.BootstrapServer, value: { type: 'boolean', value: s.bootstrapServer } },
    { id: SecurityResource.SecurityMode, value: { type: 'integer', value: s.securityMode } },
  ];
  if (s.securityMode === 0) {
    out.push(
      { id: SecurityResource.PublicKeyOrIdentity, value: { type: 'opaque', value: utf8.encode(s.pskIdentity) } },
      { id: SecurityResource.SecretKey, secret: true, value: { type: 'opaque', value: s.pskKey } },
    );
  }
  if (s.shortServerId !== undefined) {
    out.push({ id: SecurityResource.ShortServerId, value: { type: 'integer', value: s.shortServerId } });
  }
  return out;
}

/** Resources of one Server instance: short id, lifetime, notification storing, binding. */
export function serverResources(s: BootstrapServerInstance): WritableResource[] {
  return [
    { id: ServerResource.ShortServerId, value: { type: 'integer', value: s.shortServerId } },
    { id: ServerResource.Lifetime, value: { type: 'integer', value: s.lifetime } },
    { id: ServerResource.NotificationStoring, value: { type: 'boolean', value: s.notificationStoring ?? true } },
    { id: ServerResource.Binding, value: { type: 'string', value: s.binding } },
  ];
}

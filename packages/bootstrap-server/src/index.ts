export * from './BootstrapServerError.js';
export * from './BootstrapPolicy.js';
export * from './BootstrapEvents.js';
export * from './BootstrapSessionManager.js';
export * from './TypedEmitter.js';
export type { BootstrapRequester, InboundRequest, InboundResponse, OutboundRequest, OutboundResponse } from './coapShapes.js';
export { securityResources, serverResources, SecurityResource, ServerResource } from './payload/BootstrapResources.js';
export type { ResourceValue, WritableResource } from './payload/BootstrapResources.js';
export { WriteFormat, InstanceFormats } from './payload/BootstrapFormat.js';

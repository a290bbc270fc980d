export { Lwm2mServerError, Lwm2mServerErrorCode } from './Lwm2mServerError.js';
export {
  Lwm2mServerEvents,
  type Lwm2mServerEventMap,
  type RegisteredEvent,
  type UpdatedEvent,
  type DeregisteredEvent,
  type DeregistrationReason,
  type ExpiredEvent,
  type UnauthorizedEvent,
  type NotificationEvent,
  type AwakeEvent,
  type HandshakeFailedEvent,
} from './events/ServerEvents.js';
export { RegistrationService, MAX_PAGE_SIZE, type RegistrationListOptions, type RegistrationPage } from './registration/RegistrationService.js';
export { RegistrationHandler, type RegistrationHandlerOptions, type RegistrationHandlerStats } from './registration/RegistrationHandler.js';
export { Interner } from './registration/Interner.js';
export { FileRegistrationStore, type FileRegistrationStoreOptions } from './store/FileRegistrationStore.js';
export {
  DeviceManagementService,
  type DeviceManagementOptions,
  type DeviceRequest,
  type DeviceResult,
  type WriteContent,
  type OperationOptions,
  type ReadOptions,
  type ObservationInfo,
  type ObserveResult,
} from './dm/DeviceManagementService.js';
export type { DeviceContent } from './dm/DeviceContent.js';
export { valueNode, inferResourceType } from './dm/valueNode.js';
export { multiNodeFormats, readFormats, isSingleValue } from './dm/contentFormats.js';
export type { QueueModeOptions } from './dm/QueueModeGate.js';
export { watchRevocations, isEditableSecurityStore, type RevocationDeps } from './security/RevocationWatcher.js';
export { reportHandshakeFailures, HANDSHAKE_FAILED_KIND, type ReportHandshakeFailuresOptions } from './security/reportHandshakeFailures.js';
export type { CoapClientPort } from './coap/CoapPorts.js';
export {
  startLwm2mServer,
  type StartLwm2mServerOptions,
  type Lwm2mServer,
  type Lwm2mServerStats,
  type DtlsOptions,
  type CoapOptions,
} from './startLwm2mServer.js';
export * from './api/index.js';
export * from './management/index.js';
export { Metrics, type MetricSample } from './api/metrics.js';

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
  type SendEvent,
  type SendRefusedEvent,
} from './events/ServerEvents.js';
export { RegistrationService, MAX_PAGE_SIZE, type RegistrationListOptions, type RegistrationPage } from './registration/RegistrationService.js';
export { RegistrationHandler, DEFAULT_NOSEC_MAX_REGISTRATIONS, type NoSecPolicy, type RegistrationHandlerOptions, type RegistrationHandlerStats } from './registration/RegistrationHandler.js';
export { Interner } from './registration/Interner.js';
export { FileRegistrationStore, type FileRegistrationStoreOptions } from './store/FileRegistrationStore.js';
export {
  DeviceManagementService,
  type DeviceManagementOptions,
  type WriteContent,
  type CreateContent,
  type WriteOptions,
  type OperationOptions,
  type ReadOptions,
  type ObservationInfo,
  type ObserveResult,
} from './dm/DeviceManagementService.js';
export type { DeviceContent } from './dm/DeviceContent.js';
export { LatestValues, type LatestValue, type LatestValuesOptions } from './dm/LatestValues.js';
export { SendHandler, type SendHandlerOptions, type SendStats } from './dm/SendHandler.js';
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
export { TrustService, type TrustServiceOptions, type TrustEvent, type TrustView } from './trust/TrustService.js';
export { collectTrustEvidence, withResponseEvidence, describeInterface, type TrustEvidenceOptions, type DeviceIdentityReader } from './trust/trustEvidence.js';
export { probeDevice, probeEvaluation, canonicalProbeReport, type ProbeReport, type ProbeCheck, type ProbeOptions } from './trust/TrustProbe.js';
export type { DeviceProvenance, DeviceExchange, ExchangeOutcome } from './provenance/DeviceProvenance.js';
export { RecorderDeviceProvenance, operationOf } from './provenance/RecorderDeviceProvenance.js';
export { runWithProvenance, currentProvenance, type ProvenanceCallContext } from './provenance/provenanceContext.js';
export { AppKeyRegistry } from './provenance/AppKeyRegistry.js';
export { provenanceRoutes, bodyDigest, TX_HEADER, SIGNATURE_HEADER, RECORD_HEADER, type ProvenanceApiDeps } from './api/routes/provenanceRoutes.js';
export { recordServerEvents } from './provenance/recordServerEvents.js';
export { Metrics, type MetricSample } from './api/metrics.js';

export { ClientSimError, ClientSimErrorCode } from './ClientSimError.js';
export {
  SimDevice,
  type BootstrapAccount,
  type SimDeviceEvent,
  type SimDeviceOptions,
  type SimDeviceState,
} from './device/SimDevice.js';
export type { ServerAccountConfig } from './device/bootstrapHandler.js';
export { RealClientProfiles, type BootstrapQuirks, type RealClientProfileName, type SimClientProfile } from './device/bootstrapQuirks.js';
export type { ConnectTarget, Connector, SimCoapEndpoint, SimConnection } from './device/coapShapes.js';
export { defaultConnector, defaultEndpointFactory } from './device/defaults.js';
export { FormatPolicy, type FormatPolicyOptions, type RejectCode } from './device/FormatPolicy.js';
export { Scheduler } from './device/Scheduler.js';
export { parseCoapUri, type CoapUri } from './device/coapUri.js';
export type { NotificationAttributes } from './device/attributes.js';
export {
  SimObjectTree,
  behaviour,
  type BehaviourContext,
  type ResourceBehaviour,
  type DynamicResource,
  type ObjectLink,
  type SimEntry,
  type SimResourceValue,
  type SimValue,
} from './model/SimObjectTree.js';
export { SIM_OBJECT_IDS, defaultSimRegistry } from './model/simObjects.js';
export type { SimProfile } from './model/deviceProfile.js';
export { SIM_DATA_FORMATS, decodeEntries, encodeEntries } from './codec/simCodec.js';
export {
  runSimulation,
  latencyStats,
  type LatencyStats,
  type SimulationOptions,
  type SimulationProgress,
  type SimulationResult,
} from './sim/runSimulation.js';
export { formatSimulationProgress, formatSimulationSummary } from './sim/formatProgress.js';
export { deriveSimCredentials, simulationEndpoints, type PskCredentials } from './sim/credentials.js';

export { DtlsServer, type DtlsServerOptions, type DtlsServerStats, type HandshakeFailedEvent, type PeerMovedEvent, type PskResolver } from './DtlsServer.js';
export { DtlsClient, type DtlsClientOptions } from './DtlsClient.js';
export type { ResumableSession } from './client/ClientHandshake.js';
export { UdpTransport } from './UdpTransport.js';
export { DtlsError, type DtlsErrorCode } from './DtlsError.js';
export { DROP_REASONS, type DropCounts, type DropReason, type DtlsLogger, type HandshakeFailureKind } from './server/DropStats.js';
export { CipherSuites, DEFAULT_CIPHER_SUITES, type CipherSuiteName, type CipherSuiteInfo } from './crypto/CipherSuite.js';
export { AlertDescription, ContentType, HandshakeType } from './constants.js';
export { NodeUdpSocket, type UdpSocket } from './net/UdpSocket.js';
export {
  SystemClock,
  SystemRandom,
  type Clock,
  type Random,
  type TimerHandle,
  type PeerAddress,
  type PeerSecurity,
  type InboundDatagram,
  type SessionEvent,
  type DatagramTransport,
} from './types.js';
export { sealSessions, unsealSessions, DEFAULT_SEQ_MARGIN, type SavedSession, type SessionSeal } from './server/SessionPersistence.js';

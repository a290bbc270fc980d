export { ProvenanceError, isProvenanceError, type ProvenanceErrorCode } from './ProvenanceError.js';
export {
  canonicalRecordBytes,
  recordHash,
  sha256Hex,
  parseRecord,
  bodyOf,
  RECORD_DOMAIN,
  GENESIS_HASH,
  ProvenanceActions,
  type ProvenanceAction,
  type AppSignature,
  type RecordBody,
  type ProvenanceRecord,
} from './ProvenanceRecord.js';
export {
  RecordSigner,
  SIGNING_KEY_FILE,
  signingKeyFilePath,
  loadSigningKeyFile,
  loadOrCreateSigningKeyFile,
  verifyRecordSignature,
  verifyAppSignature,
  appSigningMessage,
  signAppRequest,
  ed25519PublicKey,
} from './RecordSigner.js';
export { validate, VerdictReason, type Party, type PolicyState, type TransactionState, type Message, type Verdict } from './validate.js';
export { TransactionBook, OPENING_OPERATIONS } from './TransactionBook.js';
export { ProvenanceLog, listSegments, segmentName, recordLine, DEFAULT_MAX_SEGMENT_BYTES, LOCK_FILE, type ProvenanceLogOptions, type OpenReport } from './ProvenanceLog.js';
export { ZERO_ROOT, type AnchorBatch, type AnchorPlacement, type AnchorLedger, type AnchorCheck, type AnchorReader } from './AnchorLedger.js';
export { MerkleBatcher, merkleTreeOf, verifyMerkleProof, BATCHES_FILE, ANCHORS_FILE, LEAF_ENCODING, type MerkleBatcherOptions, type BatchInfo } from './MerkleBatcher.js';
export { verifyReceipt, verifyReceiptOffline, RECEIPT_VERSION, type Receipt, type ReceiptCheck, type ReceiptCheckName, type ReceiptVerdict } from './receipt.js';
export { verifyLog, type LogVerdict, type LogFailure, type VerifyLogOptions } from './verifyLog.js';
export {
  ProvenanceRecorder,
  SERVER_PARTY,
  PROVENANCE_DIR,
  userParty,
  endpointParty,
  provenanceDir,
  visible,
  type OperationInput,
  type OperationResult,
  type OperationHandle,
  type ProvenanceQuery,
  type ProvenanceRecorderOptions,
} from './ProvenanceRecorder.js';

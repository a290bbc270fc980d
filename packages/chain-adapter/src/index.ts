export { ChainAdapterError, isChainAdapterError, type ChainAdapterErrorCode } from './ChainAdapterError.js';

// sealed secrets
export {
  generateSealingKeyPair,
  sealingPublicKeyOf,
  sealingKeyId,
  seal,
  sealMany,
  unseal,
  sealString,
  unsealString,
  SealedField,
  SEAL_VERSION,
  MAX_SEALED_PLAINTEXT,
  type SealingKeyPair,
  type SealContext,
} from './sealing/seal.js';
export {
  loadSealingKeyFile,
  createSealingKeyFile,
  loadOrCreateSealingKeyFile,
  parseSealingKeyFile,
  formatSealingKeyFile,
  encodeSealingKey,
  decodeSealingKey,
  type SealingKeyFileFormat,
  type LoadSealingKeyOptions,
} from './sealing/sealingKeyFile.js';
export {
  createPasswordVerifier,
  verifyPassword,
  parsePasswordVerifier,
  DEFAULT_SCRYPT_PARAMS,
  type ScryptParams,
} from './sealing/passwordVerifier.js';

// chain
export { JsonRpc, JsonRpcFailure, type JsonRpcOptions } from './chain/JsonRpc.js';
export { TxSender, type TxRequest, type TxReceipt, type RpcLog, type TxSenderOptions, type RecoverResult } from './chain/TxSender.js';
export { TxJournal, type JournalEntry } from './chain/TxJournal.js';
export {
  ChainConnection,
  connectChain,
  contractInterfaces,
  CONTRACT_NAMES,
  type ConnectChainOptions,
  type ContractName,
  type ParsedLog,
} from './chain/ChainConnection.js';
export {
  deploy,
  readDeployment,
  writeDeployment,
  parseDeployment,
  deploymentFilePath,
  DEPLOYMENT_FILE,
  type Deployment,
  type DeployOptions,
  type DeployResult,
} from './chain/Deployment.js';
export { startDevChain, devChainStateFile, writeFileAtomic, DEV_CHAIN_GAS_LIMIT, type DevChain, type DevChainCheckpoint, type StartDevChainOptions } from './chain/DevChain.js';
export { decodeRevert, type DecodedRevert } from './chain/revert.js';

// stores
export { ChainSecurityStore, type ChainSecurityStoreOptions, type SecurityStoreHealth } from './stores/ChainSecurityStore.js';
export { ChainBootstrapConfigStore } from './stores/ChainBootstrapConfigStore.js';
export { ChainUserDirectory, type ChainUserDirectoryOptions } from './stores/ChainUserDirectory.js';
export { ChainAnomalyLog, ANOMALY_OUTBOX_FILE, ANOMALY_OUTBOX_LOCK, ANOMALY_SPOOL_DIR, type ChainAnomalyLogOptions } from './stores/ChainAnomalyLog.js';
export { validateSecurityInfo, type SealedClientRecord } from './stores/clientCodec.js';

// trust
export { ChainTrustLedger, type ChainTrustLedgerOptions } from './trust/ChainTrustLedger.js';
export { ChainAnchorLedger, chainAnchorReader, type ChainAnchorLedgerOptions } from './stores/ChainAnchorLedger.js';

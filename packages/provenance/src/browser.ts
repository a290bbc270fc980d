/** The parts of `@chainm2m/provenance` that run in a browser (no Node APIs): the web console's receipt check. */
export { canonicalRecordJson, RECORD_DOMAIN } from './canonical.js';
export { verifyRecordProof, merkleLeaf, fromHex, toHex } from './merkleProof.js';
export type { ProvenanceRecord, RecordBody } from './ProvenanceRecord.js';

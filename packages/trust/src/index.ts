export { TrustError, isTrustError, type TrustErrorCode } from './TrustError.js';
export { SCORE_SCALE, WEIGHT_SCALE, MAX_WEIGHT, UNIT, decayFactor, roundDiv, toFixedScore, fromFixedScore } from './fixedPoint.js';
export {
  EvaluationKind,
  MAX_EVALUATION_KIND,
  evaluationKindName,
  validateEvaluation,
  type Evaluation,
  type RecordedEvaluation,
} from './Evaluation.js';
export {
  TrustModel,
  computeTrust,
  aggregateTrust,
  registrarTrust,
  resolveTrustParams,
  DEFAULT_TRUST_PARAMS,
  DEFAULT_HALF_LIFE_SECONDS,
  type TrustParams,
  type TrustScore,
} from './trustScore.js';
export {
  EvidenceAggregator,
  EVIDENCE_KINDS,
  EVIDENCE_SEVERITY,
  FULL_WEIGHT_OBSERVATIONS,
  emptyCounts,
  scoreEvidence,
  canonicalEvidenceJson,
  evidenceDigest,
  type EvidenceKind,
  type EvidenceCounts,
  type EvidenceReport,
  type WindowEvaluation,
  type EvidenceAggregatorOptions,
} from './EvidenceAggregator.js';
export { canonicalInterfaceJson, interfaceDigest, objectIdsOf, type InterfaceDescription } from './interfaceDescription.js';
export { readRelevantEvaluations, type TrustLedger, type TrustLedgerEvent, type InterfaceRecord } from './TrustLedger.js';
export { InMemoryTrustLedger } from './InMemoryTrustLedger.js';
export { TrustScoreCache, verifyEntry, type CachedTrust, type TrustVerification } from './TrustScoreCache.js';

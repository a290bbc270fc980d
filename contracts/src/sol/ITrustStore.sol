// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title ITrustStore
 * @notice Trust evaluations of LwM2M devices (and of evaluators and registrars) and the history
 * of each subject's interface description. Evaluations are event-sourced: every field is in
 * {EvaluationAdded}, the contract keeps counters only, and scores are computed off chain by the
 * documented formula (docs/trust.md) from these events. Scores are fixed point: 1e6 = 1.0.
 */
interface ITrustStore {
    /// @notice Input of {addEvaluation}.
    struct NewEvaluation {
        string subject;
        string evaluator;
        int32 score;
        uint32 weight;
        uint8 kind;
        bytes32 evidence;
        uint64 at;
    }

    /// @notice Input of {recordInterfaces}.
    struct NewInterface {
        string subject;
        bytes32 digest;
        uint64 at;
    }

    /// @notice One entry of a subject's interface history.
    struct InterfaceRecord {
        bytes32 digest;
        uint64 at;
        uint64 recordedAt;
        address submitter;
    }

    /// @notice Emitted for every evaluation. `subjectHash = keccak256(bytes(subject))`, likewise `evaluatorHash`.
    event EvaluationAdded(
        uint256 indexed id,
        bytes32 indexed subjectHash,
        bytes32 indexed evaluatorHash,
        string subject,
        string evaluator,
        int32 score,
        uint32 weight,
        uint8 kind,
        bytes32 evidence,
        uint64 at,
        address submitter
    );

    /// @notice Emitted when a subject's interface description digest changed (or was first recorded).
    event InterfaceRecorded(bytes32 indexed subjectHash, uint256 indexed index, string subject, bytes32 digest, uint64 at, address submitter);

    /// @notice `score` is outside [-SCORE_SCALE, SCORE_SCALE].
    error TrustStore__ScoreOutOfRange(int32 score);
    /// @notice `kind` is above MAX_KIND.
    error TrustStore__UnknownKind(uint8 kind);
    /// @notice Malformed input; `reason` names the field or parameter.
    error TrustStore__InvalidInput(string reason);
    /// @notice The subject has no interface record at `index`.
    error TrustStore__NotFound(string subject, uint256 index);

    /// @notice Appends one evaluation. Requires EVALUATOR_ROLE.
    /// @param e the evaluation (non-empty subject and evaluator, score in range, weight > 0, kind <= MAX_KIND).
    /// @return id its id.
    function addEvaluation(NewEvaluation calldata e) external returns (uint256 id);

    /// @notice Appends many evaluations, all or nothing; ids are consecutive. Requires EVALUATOR_ROLE.
    /// @param es the evaluations (non-empty list).
    /// @return firstId the id of `es[0]`.
    function addEvaluations(NewEvaluation[] calldata es) external returns (uint256 firstId);

    /// @notice Appends an interface record if `digest` differs from the subject's latest one.
    /// Requires EVALUATOR_ROLE.
    /// @param subject the subject (non-empty).
    /// @param digest the interface description digest (non-zero).
    /// @param at when the description was seen (Unix seconds).
    /// @return appended false when the digest is the subject's latest already (nothing emitted).
    function recordInterface(string calldata subject, bytes32 digest, uint64 at) external returns (bool appended);

    /// @notice {recordInterface} for many subjects in one transaction. Requires EVALUATOR_ROLE.
    /// @param records the records (non-empty list).
    /// @return appended how many were appended.
    function recordInterfaces(NewInterface[] calldata records) external returns (uint256 appended);

    /// @notice Number of evaluations.
    /// @return the count.
    function evaluationCount() external view returns (uint256);

    /// @notice Number of evaluations of `subject`.
    /// @param subject the subject.
    /// @return the count.
    function evaluationCountOf(string calldata subject) external view returns (uint256);

    /// @notice Length of the subject's interface history.
    /// @param subject the subject.
    /// @return the count.
    function interfaceCount(string calldata subject) external view returns (uint256);

    /// @notice Entry `index` of the subject's interface history; reverts TrustStore__NotFound past the end.
    /// @param subject the subject.
    /// @param index 0 = oldest.
    /// @return the record.
    function getInterface(string calldata subject, uint256 index) external view returns (InterfaceRecord memory);

    /// @notice The subject's latest interface digest; zero when it has none.
    /// @param subject the subject.
    /// @return digest the digest.
    function latestInterfaceDigest(string calldata subject) external view returns (bytes32 digest);
}

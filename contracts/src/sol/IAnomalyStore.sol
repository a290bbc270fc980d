// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IAnomalyStore
 * @notice Append-only log of anomalies observed on LwM2M clients. Ids are positions: the first
 * record has id 0. Indexed by endpoint and by hour buckets of `collectedAt`.
 */
interface IAnomalyStore {
    /// @notice Input of {addAnomaly}.
    struct NewAnomaly {
        string endpoint;
        uint64 collectedAt;
        uint8 severity;
        string kind;
        string value;
    }

    /// @notice A stored anomaly; `reporter` and `recordedAt` are set by the contract.
    struct Anomaly {
        string endpoint;
        uint64 collectedAt;
        uint8 severity;
        string kind;
        string value;
        address reporter;
        uint64 recordedAt;
    }

    /// @notice Emitted after an anomaly was appended. `endpointHash = keccak256(bytes(endpoint))`.
    event AnomalyAdded(
        uint256 indexed id,
        bytes32 indexed endpointHash,
        string endpoint,
        uint64 collectedAt,
        uint8 severity,
        string kind,
        address indexed reporter
    );

    /// @notice No anomaly with this id.
    error AnomalyStore__NotFound(uint256 id);
    /// @notice Malformed input; `reason` names the field or parameter.
    error AnomalyStore__InvalidInput(string reason);

    /// @notice Appends one anomaly. Requires REPORTER_ROLE or SERVER_ROLE.
    /// @param a the anomaly (non-empty endpoint and kind).
    /// @return id its id.
    function addAnomaly(NewAnomaly calldata a) external returns (uint256 id);

    /// @notice Appends many anomalies, all or nothing; their ids are consecutive.
    /// Requires REPORTER_ROLE or SERVER_ROLE.
    /// @param as_ the anomalies (non-empty list).
    /// @return firstId the id of `as_[0]`.
    function addAnomalies(NewAnomaly[] calldata as_) external returns (uint256 firstId);

    /// @notice Number of anomalies.
    /// @return the count.
    function anomalyCount() external view returns (uint256);

    /// @notice The anomaly `id`; reverts with AnomalyStore__NotFound if `id >= anomalyCount()`.
    /// @param id the id.
    /// @return the anomaly.
    function getAnomaly(uint256 id) external view returns (Anomaly memory);

    /// @notice Up to `limit` anomalies with ids `offset`, `offset + 1`, ...; empty past the end.
    /// @param offset first id.
    /// @param limit maximum number of records.
    /// @return the anomalies.
    function listAnomalies(uint256 offset, uint256 limit) external view returns (Anomaly[] memory);

    /// @notice Number of anomalies of `endpoint`.
    /// @param endpoint the endpoint name.
    /// @return the count.
    function anomalyCountByEndpoint(string calldata endpoint) external view returns (uint256);

    /// @notice Up to `limit` anomalies of `endpoint` in id order, skipping the first `offset`.
    /// @param endpoint the endpoint name.
    /// @param offset how many of the endpoint's anomalies to skip.
    /// @param limit maximum number of records.
    /// @return items the anomalies.
    /// @return ids their ids.
    function listAnomaliesByEndpoint(string calldata endpoint, uint256 offset, uint256 limit)
        external
        view
        returns (Anomaly[] memory items, uint256[] memory ids);

    /// @notice Anomalies with `from <= collectedAt <= to`, ordered by hour bucket of `collectedAt`
    /// and by id within a bucket. Bounded work per call: examines at most `min(limit, MAX_PAGE)`
    /// records and at most MAX_BUCKETS_PER_CALL buckets, so a page may hold fewer than `limit`
    /// items (even none) while `nextCursor != 0`. Start with `cursor = 0`; call again with the
    /// returned `nextCursor` (same `from`, `to`) until it is 0.
    /// @param from earliest `collectedAt` (inclusive).
    /// @param to latest `collectedAt` (inclusive); must be `>= from`.
    /// @param cursor 0, or a `nextCursor` of a previous call with the same range.
    /// @param limit maximum records examined (non-zero).
    /// @return items the matching anomalies.
    /// @return ids their ids.
    /// @return nextCursor where to continue, 0 when the range is exhausted.
    function listAnomaliesByTime(uint64 from, uint64 to, uint256 cursor, uint256 limit)
        external
        view
        returns (Anomaly[] memory items, uint256[] memory ids, uint256 nextCursor);
}

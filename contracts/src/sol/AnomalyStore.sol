// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAnomalyStore} from "./IAnomalyStore.sol";
import {Roles} from "./Roles.sol";

/**
 * @title AnomalyStore
 * @notice Append-only anomaly log. See {IAnomalyStore}.
 * @dev Time index: `collectedAt / BUCKET_SECONDS` -> ids. A time-range query cursor is
 * `(bucket << 64) | (positionInBucket + 1)`.
 */
contract AnomalyStore is IAnomalyStore, Roles {
    /// @notice Width of a time bucket, in seconds.
    uint64 public constant BUCKET_SECONDS = 3600;
    /// @notice Buckets visited at most by one {listAnomaliesByTime} call.
    uint256 public constant MAX_BUCKETS_PER_CALL = 1024;
    /// @notice Records examined at most by one {listAnomaliesByTime} call.
    uint256 public constant MAX_PAGE = 1000;

    struct Record {
        string endpoint;
        string kind;
        string value;
        // packed slot
        address reporter;
        uint64 collectedAt;
        uint8 severity;
        // own slot
        uint64 recordedAt;
    }

    Record[] private _anomalies;
    mapping(bytes32 endpointHash => uint256[] ids) private _idsByEndpoint;
    mapping(uint64 bucket => uint256[] ids) private _idsByBucket;

    modifier onlyReporter() {
        if (!hasRole(REPORTER_ROLE, msg.sender) && !hasRole(SERVER_ROLE, msg.sender)) {
            revert AccessControlUnauthorizedAccount(msg.sender, REPORTER_ROLE);
        }
        _;
    }

    /// @inheritdoc IAnomalyStore
    function addAnomaly(NewAnomaly calldata a) external onlyReporter returns (uint256 id) {
        return _append(a);
    }

    /// @inheritdoc IAnomalyStore
    function addAnomalies(NewAnomaly[] calldata as_) external onlyReporter returns (uint256 firstId) {
        if (as_.length == 0) revert AnomalyStore__InvalidInput("empty batch");
        firstId = _anomalies.length;
        for (uint256 i = 0; i < as_.length; ++i) {
            _append(as_[i]);
        }
    }

    /// @inheritdoc IAnomalyStore
    function anomalyCount() external view returns (uint256) {
        return _anomalies.length;
    }

    /// @inheritdoc IAnomalyStore
    function getAnomaly(uint256 id) external view returns (Anomaly memory) {
        if (id >= _anomalies.length) revert AnomalyStore__NotFound(id);
        return _toAnomaly(_anomalies[id]);
    }

    /// @inheritdoc IAnomalyStore
    function listAnomalies(uint256 offset, uint256 limit) external view returns (Anomaly[] memory page) {
        uint256 n = _anomalies.length;
        if (offset >= n) return new Anomaly[](0);
        uint256 count = n - offset < limit ? n - offset : limit;
        page = new Anomaly[](count);
        for (uint256 i = 0; i < count; ++i) {
            page[i] = _toAnomaly(_anomalies[offset + i]);
        }
    }

    /// @inheritdoc IAnomalyStore
    function anomalyCountByEndpoint(string calldata endpoint) external view returns (uint256) {
        return _idsByEndpoint[keccak256(bytes(endpoint))].length;
    }

    /// @inheritdoc IAnomalyStore
    function listAnomaliesByEndpoint(string calldata endpoint, uint256 offset, uint256 limit)
        external
        view
        returns (Anomaly[] memory items, uint256[] memory ids)
    {
        uint256[] storage all = _idsByEndpoint[keccak256(bytes(endpoint))];
        uint256 n = all.length;
        if (offset >= n) return (new Anomaly[](0), new uint256[](0));
        uint256 count = n - offset < limit ? n - offset : limit;
        items = new Anomaly[](count);
        ids = new uint256[](count);
        for (uint256 i = 0; i < count; ++i) {
            uint256 id = all[offset + i];
            ids[i] = id;
            items[i] = _toAnomaly(_anomalies[id]);
        }
    }

    /// @inheritdoc IAnomalyStore
    function listAnomaliesByTime(uint64 from, uint64 to, uint256 cursor, uint256 limit)
        external
        view
        returns (Anomaly[] memory items, uint256[] memory ids, uint256 nextCursor)
    {
        if (from > to) revert AnomalyStore__InvalidInput("from > to");
        if (limit == 0) revert AnomalyStore__InvalidInput("limit");
        uint64 bucket = from / BUCKET_SECONDS;
        uint256 index = 0;
        if (cursor != 0) {
            uint64 c = uint64(cursor >> 64);
            uint64 indexPlusOne = uint64(cursor);
            if (cursor >> 128 != 0 || indexPlusOne == 0 || c < bucket || c > to / BUCKET_SECONDS) {
                revert AnomalyStore__InvalidInput("cursor");
            }
            bucket = c;
            index = indexPlusOne - 1;
        }
        (ids, nextCursor) = _scan(from, to, bucket, index, limit < MAX_PAGE ? limit : MAX_PAGE);
        items = new Anomaly[](ids.length);
        for (uint256 i = 0; i < ids.length; ++i) {
            items[i] = _toAnomaly(_anomalies[ids[i]]);
        }
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IAnomalyStore).interfaceId || super.supportsInterface(interfaceId);
    }

    function _append(NewAnomaly calldata a) private returns (uint256 id) {
        if (bytes(a.endpoint).length == 0) revert AnomalyStore__InvalidInput("endpoint");
        if (bytes(a.kind).length == 0) revert AnomalyStore__InvalidInput("kind");
        id = _anomalies.length;
        Record storage r = _anomalies.push();
        r.endpoint = a.endpoint;
        r.kind = a.kind;
        r.value = a.value;
        r.reporter = msg.sender;
        r.collectedAt = a.collectedAt;
        r.severity = a.severity;
        r.recordedAt = uint64(block.timestamp);
        bytes32 h = keccak256(bytes(a.endpoint));
        _idsByEndpoint[h].push(id);
        _idsByBucket[a.collectedAt / BUCKET_SECONDS].push(id);
        emit AnomalyAdded(id, h, a.endpoint, a.collectedAt, a.severity, a.kind, msg.sender);
    }

    /// @dev Walks the time buckets from (`bucket`, `index`), examining at most `budget` records
    /// and MAX_BUCKETS_PER_CALL buckets. Returns the matching ids and the resume cursor (0 = done).
    function _scan(uint64 from, uint64 to, uint64 bucket, uint256 index, uint256 budget)
        private
        view
        returns (uint256[] memory found, uint256 nextCursor)
    {
        found = new uint256[](budget);
        uint256 matched = 0;
        uint256 bucketsLeft = MAX_BUCKETS_PER_CALL;
        while (true) {
            uint256[] storage inBucket = _idsByBucket[bucket];
            while (index < inBucket.length) {
                if (budget == 0) {
                    nextCursor = (uint256(bucket) << 64) | (index + 1);
                    break;
                }
                uint256 id = inBucket[index];
                ++index;
                --budget;
                uint64 t = _anomalies[id].collectedAt;
                if (t >= from && t <= to) found[matched++] = id;
            }
            if (nextCursor != 0 || bucket == to / BUCKET_SECONDS) break;
            ++bucket;
            index = 0;
            if (--bucketsLeft == 0) {
                nextCursor = (uint256(bucket) << 64) | 1;
                break;
            }
        }
        assembly ("memory-safe") {
            mstore(found, matched) // shrink to the matches
        }
    }

    function _toAnomaly(Record storage r) private view returns (Anomaly memory) {
        return Anomaly({
            endpoint: r.endpoint,
            collectedAt: r.collectedAt,
            severity: r.severity,
            kind: r.kind,
            value: r.value,
            reporter: r.reporter,
            recordedAt: r.recordedAt
        });
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ITrustStore} from "./ITrustStore.sol";
import {Roles} from "./Roles.sol";

/**
 * @title TrustStore
 * @notice Trust evaluations and interface histories. See {ITrustStore}.
 * @dev Evaluations live in events (the off-chain formula reads them); storage holds counters and
 * the interface histories, so a batch of evaluations costs little more than its calldata and logs.
 */
contract TrustStore is ITrustStore, Roles {
    /// @notice Writes evaluations and interface records.
    bytes32 public constant EVALUATOR_ROLE = keccak256("EVALUATOR_ROLE");
    /// @notice A score of 1.0.
    int32 public constant SCORE_SCALE = 1_000_000;
    /// @notice Highest known evaluation kind (0 obligations, 1 probe, 2 external).
    uint8 public constant MAX_KIND = 2;

    uint256 private _evaluationCount;
    mapping(bytes32 subjectHash => uint256) private _countBySubject;
    mapping(bytes32 subjectHash => InterfaceRecord[]) private _interfaces;

    constructor() {
        _grantRole(EVALUATOR_ROLE, msg.sender);
    }

    /// @inheritdoc ITrustStore
    function addEvaluation(NewEvaluation calldata e) external onlyRole(EVALUATOR_ROLE) returns (uint256 id) {
        id = _evaluationCount;
        _add(e, id);
        _evaluationCount = id + 1;
    }

    /// @inheritdoc ITrustStore
    function addEvaluations(NewEvaluation[] calldata es) external onlyRole(EVALUATOR_ROLE) returns (uint256 firstId) {
        if (es.length == 0) revert TrustStore__InvalidInput("empty batch");
        firstId = _evaluationCount;
        for (uint256 i = 0; i < es.length; ++i) {
            _add(es[i], firstId + i);
        }
        _evaluationCount = firstId + es.length;
    }

    /// @inheritdoc ITrustStore
    function recordInterface(string calldata subject, bytes32 digest, uint64 at) external onlyRole(EVALUATOR_ROLE) returns (bool appended) {
        return _record(subject, digest, at);
    }

    /// @inheritdoc ITrustStore
    function recordInterfaces(NewInterface[] calldata records) external onlyRole(EVALUATOR_ROLE) returns (uint256 appended) {
        if (records.length == 0) revert TrustStore__InvalidInput("empty batch");
        for (uint256 i = 0; i < records.length; ++i) {
            if (_record(records[i].subject, records[i].digest, records[i].at)) ++appended;
        }
    }

    /// @inheritdoc ITrustStore
    function evaluationCount() external view returns (uint256) {
        return _evaluationCount;
    }

    /// @inheritdoc ITrustStore
    function evaluationCountOf(string calldata subject) external view returns (uint256) {
        return _countBySubject[keccak256(bytes(subject))];
    }

    /// @inheritdoc ITrustStore
    function interfaceCount(string calldata subject) external view returns (uint256) {
        return _interfaces[keccak256(bytes(subject))].length;
    }

    /// @inheritdoc ITrustStore
    function getInterface(string calldata subject, uint256 index) external view returns (InterfaceRecord memory) {
        InterfaceRecord[] storage list = _interfaces[keccak256(bytes(subject))];
        if (index >= list.length) revert TrustStore__NotFound(subject, index);
        return list[index];
    }

    /// @inheritdoc ITrustStore
    function latestInterfaceDigest(string calldata subject) external view returns (bytes32 digest) {
        InterfaceRecord[] storage list = _interfaces[keccak256(bytes(subject))];
        return list.length == 0 ? bytes32(0) : list[list.length - 1].digest;
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(ITrustStore).interfaceId || super.supportsInterface(interfaceId);
    }

    function _add(NewEvaluation calldata e, uint256 id) private {
        if (bytes(e.subject).length == 0) revert TrustStore__InvalidInput("subject");
        if (bytes(e.evaluator).length == 0) revert TrustStore__InvalidInput("evaluator");
        if (e.score > SCORE_SCALE || e.score < -SCORE_SCALE) revert TrustStore__ScoreOutOfRange(e.score);
        if (e.kind > MAX_KIND) revert TrustStore__UnknownKind(e.kind);
        if (e.weight == 0) revert TrustStore__InvalidInput("weight");
        bytes32 h = keccak256(bytes(e.subject));
        ++_countBySubject[h];
        emit EvaluationAdded(
            id, h, keccak256(bytes(e.evaluator)), e.subject, e.evaluator, e.score, e.weight, e.kind, e.evidence, e.at, msg.sender
        );
    }

    function _record(string calldata subject, bytes32 digest, uint64 at) private returns (bool) {
        if (bytes(subject).length == 0) revert TrustStore__InvalidInput("subject");
        if (digest == bytes32(0)) revert TrustStore__InvalidInput("digest");
        bytes32 h = keccak256(bytes(subject));
        InterfaceRecord[] storage list = _interfaces[h];
        uint256 n = list.length;
        if (n != 0 && list[n - 1].digest == digest) return false;
        list.push(InterfaceRecord({digest: digest, at: at, recordedAt: uint64(block.timestamp), submitter: msg.sender}));
        emit InterfaceRecorded(h, n, subject, digest, at, msg.sender);
        return true;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IAuditAnchor} from "./IAuditAnchor.sol";
import {Roles} from "./Roles.sol";

/**
 * @title AuditAnchor
 * @notice Anchored Merkle roots of the provenance log and the servers' signing keys. See {IAuditAnchor}.
 * @dev One storage write set per batch (two slots + list entry): the cost per record falls with the batch size.
 */
contract AuditAnchor is IAuditAnchor, Roles {
    mapping(bytes32 root => Anchor) private _anchors;
    bytes32[] private _roots;
    uint64 private _nextSeq = 1;
    mapping(bytes32 publicKey => bool) private _keys;

    /// @inheritdoc IAuditAnchor
    function anchorRoot(bytes32 root, uint64 fromSeq, uint64 toSeq, uint64 count, bytes32 prevRoot) external onlyRole(SERVER_ROLE) {
        if (root == bytes32(0)) revert AuditAnchor__InvalidInput("root");
        if (_anchors[root].fromSeq != 0) revert AuditAnchor__AlreadyAnchored(root);
        if (fromSeq != _nextSeq) revert AuditAnchor__OutOfSequence(_nextSeq, fromSeq);
        if (toSeq < fromSeq) revert AuditAnchor__InvalidInput("toSeq");
        if (count != toSeq - fromSeq + 1) revert AuditAnchor__InvalidInput("count");
        bytes32 last = _roots.length == 0 ? bytes32(0) : _roots[_roots.length - 1];
        if (prevRoot != last) revert AuditAnchor__WrongPrevRoot(last, prevRoot);
        _anchors[root] = Anchor({
            fromSeq: fromSeq,
            toSeq: toSeq,
            count: count,
            anchoredAt: uint64(block.timestamp),
            blockNumber: uint64(block.number),
            prevRoot: prevRoot
        });
        _roots.push(root);
        _nextSeq = toSeq + 1;
        emit RootAnchored(root, fromSeq, toSeq, count, prevRoot, msg.sender);
    }

    /// @inheritdoc IAuditAnchor
    function publishSigningKey(bytes32 publicKey) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (publicKey == bytes32(0)) revert AuditAnchor__InvalidInput("publicKey");
        if (_keys[publicKey]) revert AuditAnchor__KeyAlreadyPublished(publicKey);
        _keys[publicKey] = true;
        emit SigningKeyPublished(publicKey, _nextSeq, msg.sender);
    }

    /// @inheritdoc IAuditAnchor
    function revokeSigningKey(bytes32 publicKey) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!_keys[publicKey]) revert AuditAnchor__KeyNotPublished(publicKey);
        _keys[publicKey] = false;
        emit SigningKeyRevoked(publicKey, msg.sender);
    }

    /// @inheritdoc IAuditAnchor
    function checkRoot(bytes32 root, bytes32 publicKey) external view returns (bool anchored, Anchor memory anchor, bool keyPublished) {
        anchor = _anchors[root];
        anchored = anchor.fromSeq != 0;
        keyPublished = _keys[publicKey];
    }

    /// @inheritdoc IAuditAnchor
    function getAnchor(bytes32 root) external view returns (Anchor memory) {
        Anchor memory a = _anchors[root];
        if (a.fromSeq == 0) revert AuditAnchor__NotFound(root);
        return a;
    }

    /// @inheritdoc IAuditAnchor
    function verifyRecord(bytes32 root, bytes32 recordHash, bytes32[] calldata proof) external view returns (bool) {
        if (_anchors[root].fromSeq == 0) return false;
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(recordHash))));
        return MerkleProof.verifyCalldata(proof, root, leaf);
    }

    /// @inheritdoc IAuditAnchor
    function nextSeq() external view returns (uint64) {
        return _nextSeq;
    }

    /// @inheritdoc IAuditAnchor
    function lastRoot() external view returns (bytes32) {
        return _roots.length == 0 ? bytes32(0) : _roots[_roots.length - 1];
    }

    /// @inheritdoc IAuditAnchor
    function anchorCount() external view returns (uint256) {
        return _roots.length;
    }

    /// @inheritdoc IAuditAnchor
    function rootAt(uint256 index) external view returns (bytes32) {
        if (index >= _roots.length) revert AuditAnchor__InvalidInput("index");
        return _roots[index];
    }

    /// @inheritdoc IAuditAnchor
    function isSigningKey(bytes32 publicKey) external view returns (bool) {
        return _keys[publicKey];
    }
}

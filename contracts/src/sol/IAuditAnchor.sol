// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IAuditAnchor
 * @notice Merkle roots of the provenance log, anchored batch by batch in sequence order, and the
 * Ed25519 public keys the servers sign records with. A batch covers records `fromSeq..toSeq`
 * (consecutive, starting right after the previous batch) and names the previous root, so the
 * anchored roots form a chain of their own. Leaves are OpenZeppelin StandardMerkleTree leaves of
 * one `bytes32` (the record's SHA-256): `keccak256(bytes.concat(keccak256(abi.encode(recordHash))))`.
 */
interface IAuditAnchor {
    /// @notice An anchored batch.
    struct Anchor {
        uint64 fromSeq;
        uint64 toSeq;
        uint64 count;
        uint64 anchoredAt;
        uint64 blockNumber;
        bytes32 prevRoot;
    }

    /// @notice Emitted after `root` was anchored for records `fromSeq..toSeq`.
    event RootAnchored(bytes32 indexed root, uint64 indexed fromSeq, uint64 toSeq, uint64 count, bytes32 prevRoot, address indexed anchorer);
    /// @notice Emitted after a server signing key was published.
    event SigningKeyPublished(bytes32 indexed publicKey, uint64 fromSeq, address indexed publisher);
    /// @notice Emitted after a server signing key was revoked.
    event SigningKeyRevoked(bytes32 indexed publicKey, address indexed revoker);

    /// @notice `root` is already anchored.
    error AuditAnchor__AlreadyAnchored(bytes32 root);
    /// @notice The batch does not start right after the last anchored record.
    error AuditAnchor__OutOfSequence(uint64 expectedFromSeq, uint64 fromSeq);
    /// @notice The batch names another previous root than the last anchored one.
    error AuditAnchor__WrongPrevRoot(bytes32 expected, bytes32 given);
    /// @notice Malformed input; `reason` names the field.
    error AuditAnchor__InvalidInput(string reason);
    /// @notice No anchor with this root.
    error AuditAnchor__NotFound(bytes32 root);
    /// @notice The key is already published.
    error AuditAnchor__KeyAlreadyPublished(bytes32 publicKey);
    /// @notice The key is not published.
    error AuditAnchor__KeyNotPublished(bytes32 publicKey);

    /// @notice Anchors the root of records `fromSeq..toSeq`. Requires SERVER_ROLE.
    /// @param root the Merkle root (non-zero, not anchored before).
    /// @param fromSeq first record; must be `nextSeq()`.
    /// @param toSeq last record (`>= fromSeq`).
    /// @param count number of records; must be `toSeq - fromSeq + 1`.
    /// @param prevRoot must be `lastRoot()` (zero for the first batch).
    function anchorRoot(bytes32 root, uint64 fromSeq, uint64 toSeq, uint64 count, bytes32 prevRoot) external;

    /// @notice Publishes a server's Ed25519 public key (raw 32 bytes). Requires DEFAULT_ADMIN_ROLE.
    /// @param publicKey the key.
    function publishSigningKey(bytes32 publicKey) external;

    /// @notice Revokes a published key (records it signed stay verifiable through their anchors, but
    /// `checkRoot` reports it as not published from now on). Requires DEFAULT_ADMIN_ROLE.
    /// @param publicKey the key.
    function revokeSigningKey(bytes32 publicKey) external;

    /// @notice Everything a receipt check needs, in one call.
    /// @param root a batch root.
    /// @param publicKey a server key.
    /// @return anchored whether `root` is anchored.
    /// @return anchor the batch (zero when not anchored).
    /// @return keyPublished whether `publicKey` is a published, unrevoked key.
    function checkRoot(bytes32 root, bytes32 publicKey) external view returns (bool anchored, Anchor memory anchor, bool keyPublished);

    /// @notice The batch of `root`; reverts with AuditAnchor__NotFound when not anchored.
    /// @param root the root.
    /// @return the batch.
    function getAnchor(bytes32 root) external view returns (Anchor memory);

    /// @notice Whether the record with leaf hash `recordHash` is in the anchored batch `root`.
    /// @param root an anchored root.
    /// @param recordHash the record's SHA-256.
    /// @param proof its StandardMerkleTree proof.
    /// @return whether the proof holds and the root is anchored.
    function verifyRecord(bytes32 root, bytes32 recordHash, bytes32[] calldata proof) external view returns (bool);

    /// @notice The first record the next batch must start with.
    /// @return the sequence number.
    function nextSeq() external view returns (uint64);

    /// @notice The last anchored root, zero before the first.
    /// @return the root.
    function lastRoot() external view returns (bytes32);

    /// @notice Number of anchored batches.
    /// @return the count.
    function anchorCount() external view returns (uint256);

    /// @notice The root of the `index`-th batch (0-based); reverts with AuditAnchor__InvalidInput past the end.
    /// @param index the position.
    /// @return the root.
    function rootAt(uint256 index) external view returns (bytes32);

    /// @notice Whether `publicKey` is a published, unrevoked server key.
    /// @param publicKey the key.
    /// @return the answer.
    function isSigningKey(bytes32 publicKey) external view returns (bool);
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IUserStore} from "./IUserStore.sol";
import {Roles} from "./Roles.sol";

/**
 * @title UserStore
 * @notice Registry of REST API users. See {IUserStore}.
 */
contract UserStore is IUserStore, Roles {
    uint8 private constant _MAX_ROLE = 2;

    struct Record {
        string username;
        bytes sealedVerifier;
        string email;
        // packed slot
        uint8 role;
        uint8 clearance;
        bool active;
        uint64 createdAt;
        uint64 updatedAt;
    }

    mapping(bytes32 usernameHash => Record) private _records;
    bytes32[] private _usernameHashes;

    /// @inheritdoc IUserStore
    function addUser(User calldata u) external onlyRole(ADMIN_ROLE) {
        if (bytes(u.username).length == 0) revert UserStore__InvalidInput("username");
        _validate(u);
        bytes32 h = keccak256(bytes(u.username));
        Record storage r = _records[h];
        if (r.createdAt != 0) revert UserStore__AlreadyExists(u.username);
        _usernameHashes.push(h);
        r.username = u.username;
        r.sealedVerifier = u.sealedVerifier;
        r.email = u.email;
        r.role = u.role;
        r.clearance = u.clearance;
        r.active = true;
        r.createdAt = uint64(block.timestamp);
        r.updatedAt = uint64(block.timestamp);
        emit UserAdded(h, u.username, u.role);
    }

    /// @inheritdoc IUserStore
    function updateUser(User calldata u) external onlyRole(ADMIN_ROLE) {
        _validate(u);
        bytes32 h = keccak256(bytes(u.username));
        Record storage r = _records[h];
        if (r.createdAt == 0) revert UserStore__NotFound(u.username);
        r.sealedVerifier = u.sealedVerifier;
        r.email = u.email;
        r.role = u.role;
        r.clearance = u.clearance;
        r.active = u.active;
        r.updatedAt = uint64(block.timestamp);
        emit UserUpdated(h, u.username, u.role, u.active);
    }

    /// @inheritdoc IUserStore
    function disableUser(string calldata username) external onlyRole(ADMIN_ROLE) {
        bytes32 h = keccak256(bytes(username));
        Record storage r = _records[h];
        if (r.createdAt == 0) revert UserStore__NotFound(username);
        r.active = false;
        r.updatedAt = uint64(block.timestamp);
        emit UserDisabled(h, username);
    }

    /// @inheritdoc IUserStore
    function getUser(string calldata username) external view returns (User memory) {
        Record storage r = _records[keccak256(bytes(username))];
        if (r.createdAt == 0) revert UserStore__NotFound(username);
        return _toUser(r);
    }

    /// @inheritdoc IUserStore
    function userExists(string calldata username) external view returns (bool) {
        return _records[keccak256(bytes(username))].createdAt != 0;
    }

    /// @inheritdoc IUserStore
    function userCount() external view returns (uint256) {
        return _usernameHashes.length;
    }

    /// @inheritdoc IUserStore
    function listUsers(uint256 offset, uint256 limit) external view returns (User[] memory page) {
        uint256 n = _usernameHashes.length;
        if (offset >= n) return new User[](0);
        uint256 count = n - offset < limit ? n - offset : limit;
        page = new User[](count);
        for (uint256 i = 0; i < count; ++i) {
            page[i] = _toUser(_records[_usernameHashes[offset + i]]);
        }
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IUserStore).interfaceId || super.supportsInterface(interfaceId);
    }

    function _validate(User calldata u) private pure {
        if (u.role > _MAX_ROLE) revert UserStore__InvalidInput("role");
        if (u.sealedVerifier.length == 0) revert UserStore__InvalidInput("sealedVerifier");
    }

    function _toUser(Record storage r) private view returns (User memory) {
        return User({
            username: r.username,
            role: r.role,
            clearance: r.clearance,
            sealedVerifier: r.sealedVerifier,
            email: r.email,
            active: r.active,
            createdAt: r.createdAt,
            updatedAt: r.updatedAt
        });
    }
}

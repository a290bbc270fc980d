// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IUserStore
 * @notice Users of the REST API: role, clearance, sealed password verifier, e-mail, active flag.
 * The password check happens off chain: a server fetches the sealed verifier and verifies it.
 * Users are never deleted, only disabled.
 */
interface IUserStore {
    /// @notice A user. `role`: 0 admin, 1 user, 2 application. `createdAt`/`updatedAt` are set by
    /// the contract (ignored on input).
    struct User {
        string username;
        uint8 role;
        uint8 clearance;
        bytes sealedVerifier;
        string email;
        bool active;
        uint64 createdAt;
        uint64 updatedAt;
    }

    /// @notice Emitted after a user was added. `usernameHash = keccak256(bytes(username))`.
    event UserAdded(bytes32 indexed usernameHash, string username, uint8 role);
    /// @notice Emitted after a user was updated.
    event UserUpdated(bytes32 indexed usernameHash, string username, uint8 role, bool active);
    /// @notice Emitted after a user was disabled.
    event UserDisabled(bytes32 indexed usernameHash, string username);

    /// @notice A user with this name exists already.
    error UserStore__AlreadyExists(string username);
    /// @notice No user with this name.
    error UserStore__NotFound(string username);
    /// @notice Malformed input; `reason` names the field.
    error UserStore__InvalidInput(string reason);

    /// @notice Adds a user; `active` is forced true. Requires ADMIN_ROLE.
    /// @param u the user; `active`, `createdAt`, `updatedAt` are ignored.
    function addUser(User calldata u) external;

    /// @notice Replaces role, clearance, sealed verifier, e-mail and active flag of `u.username`.
    /// Requires ADMIN_ROLE.
    /// @param u the new values.
    function updateUser(User calldata u) external;

    /// @notice Sets the user inactive. Requires ADMIN_ROLE.
    /// @param username the user name.
    function disableUser(string calldata username) external;

    /// @notice The user `username`; reverts with UserStore__NotFound if absent.
    /// @param username the user name.
    /// @return the user.
    function getUser(string calldata username) external view returns (User memory);

    /// @notice Whether the user exists (active or not).
    /// @param username the user name.
    /// @return true if it exists.
    function userExists(string calldata username) external view returns (bool);

    /// @notice Number of users (active or not).
    /// @return the count.
    function userCount() external view returns (uint256);

    /// @notice Up to `limit` users in insertion order from position `offset`; empty past the end.
    /// @param offset first position.
    /// @param limit maximum number of users.
    /// @return the users.
    function listUsers(uint256 offset, uint256 limit) external view returns (User[] memory);
}

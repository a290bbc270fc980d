// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IClientStore
 * @notice One record per LwM2M endpoint: its bootstrap account, its LwM2M server account, its
 * clearance, who registered it and when. PSKs are stored sealed (never in clear).
 * Lookups are O(1) by endpoint and by PSK identity; listing is paginated.
 */
interface IClientStore {
    /// @notice Account on the bootstrap server.
    struct BootstrapAccount {
        string serverUri;
        string pskIdentity;
        bytes sealedPsk;
    }

    /// @notice Account on the LwM2M server.
    struct ServerAccount {
        string serverUri;
        string pskIdentity;
        bytes sealedPsk;
        uint16 shortServerId;
        uint32 lifetime;
        string binding;
    }

    /// @notice A client record. `registrar`, `createdAt` and `updatedAt` are set by the contract
    /// (ignored on input).
    struct Client {
        string endpoint;
        BootstrapAccount bootstrap;
        ServerAccount server;
        uint8 clearance;
        address registrar;
        uint64 createdAt;
        uint64 updatedAt;
    }

    /// @notice Emitted after a client was added. `endpointHash = keccak256(bytes(endpoint))`.
    event ClientAdded(bytes32 indexed endpointHash, string endpoint, address indexed registrar);
    /// @notice Emitted after a client was updated (e.g. key rotation); `registrar` is the caller.
    event ClientUpdated(bytes32 indexed endpointHash, string endpoint, address indexed registrar);
    /// @notice Emitted after a client was removed; `registrar` is the caller.
    event ClientRemoved(bytes32 indexed endpointHash, string endpoint, bool compromised, address indexed registrar);

    /// @notice A client with this endpoint name exists already.
    error ClientStore__AlreadyExists(string endpoint);
    /// @notice No client with this endpoint name.
    error ClientStore__NotFound(string endpoint);
    /// @notice The PSK identity is already used by an account (of any client, or the other account of the same client).
    error ClientStore__IdentityInUse(string identity);
    /// @notice No account uses this PSK identity.
    error ClientStore__IdentityNotFound(string identity);
    /// @notice Malformed input; `reason` names the field.
    error ClientStore__InvalidInput(string reason);

    /// @notice Adds one client. Requires REGISTRAR_ROLE.
    /// @param c the record; `registrar`, `createdAt`, `updatedAt` are ignored.
    function addClient(Client calldata c) external;

    /// @notice Adds many clients in one transaction, all or nothing. Requires REGISTRAR_ROLE.
    /// @param cs the records (non-empty).
    function addClients(Client[] calldata cs) external;

    /// @notice Replaces the record of `c.endpoint` (accounts, clearance); PSK identities may change.
    /// Keeps `registrar` and `createdAt`. Requires REGISTRAR_ROLE.
    /// @param c the new record.
    function updateClient(Client calldata c) external;

    /// @notice Removes a client and frees its endpoint name and PSK identities. Requires REGISTRAR_ROLE.
    /// @param endpoint the endpoint name.
    /// @param compromised whether the keys are considered leaked (servers drop its sessions).
    function removeClient(string calldata endpoint, bool compromised) external;

    /// @notice The record of `endpoint`; reverts with ClientStore__NotFound if absent.
    /// @param endpoint the endpoint name.
    /// @return the record.
    function getClient(string calldata endpoint) external view returns (Client memory);

    /// @notice The record owning the PSK identity `identity` (bootstrap or server account).
    /// Reverts with ClientStore__IdentityNotFound if no account uses it.
    /// @param identity the PSK identity.
    /// @return c the record.
    /// @return isBootstrap true if `identity` is the bootstrap account's, false if the server account's.
    function getClientByIdentity(string calldata identity) external view returns (Client memory c, bool isBootstrap);

    /// @notice Whether a client with this endpoint name exists.
    /// @param endpoint the endpoint name.
    /// @return true if it exists.
    function exists(string calldata endpoint) external view returns (bool);

    /// @notice Number of clients.
    /// @return the count.
    function clientCount() external view returns (uint256);

    /// @notice Up to `limit` records starting at position `offset`; empty if `offset >= clientCount()`.
    /// Removal moves the last record into the freed position (swap-and-pop).
    /// @param offset first position.
    /// @param limit maximum number of records.
    /// @return the records.
    function listClients(uint256 offset, uint256 limit) external view returns (Client[] memory);
}

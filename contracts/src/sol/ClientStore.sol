// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IClientStore} from "./IClientStore.sol";
import {Roles} from "./Roles.sol";

/**
 * @title ClientStore
 * @notice Registry of LwM2M clients and their (sealed) PSK credentials. See {IClientStore}.
 * @dev Storage per client: a flattened record in a mapping keyed by the endpoint hash (endpoint
 * and identities take one slot each when shorter than 32 bytes, a sealed PSK its length slot
 * plus ceil(len/32) slots; server URIs and binding are interned; the small fields share two
 * slots), one slot in the listing array, and one slot per PSK identity in the identity index.
 */
contract ClientStore is IClientStore, Roles {
    struct Record {
        string endpoint;
        string bsIdentity;
        bytes bsSealedPsk;
        string srvIdentity;
        bytes srvSealedPsk;
        // packed slot
        address registrar;
        uint8 clearance;
        uint40 createdAt;
        uint40 updatedAt;
        // packed slot
        uint32 bsServerUri; // ids of interned strings (see _intern)
        uint32 srvServerUri;
        uint32 binding;
        uint16 shortServerId;
        uint32 lifetime;
        uint32 position; // index in _endpointHashes plus one; 0 = absent
    }

    mapping(bytes32 endpointHash => Record) private _records;
    bytes32[] private _endpointHashes;
    mapping(bytes32 identityHash => bytes32 endpointHash) private _identities;
    /// @dev Server URIs and bindings repeat across clients: each distinct value is stored once.
    string[] private _interned;
    mapping(bytes32 valueHash => uint32 id) private _internedIds;

    /// @inheritdoc IClientStore
    function addClient(Client calldata c) external onlyRole(REGISTRAR_ROLE) {
        _add(c);
    }

    /// @inheritdoc IClientStore
    function addClients(Client[] calldata cs) external onlyRole(REGISTRAR_ROLE) {
        if (cs.length == 0) revert ClientStore__InvalidInput("empty batch");
        for (uint256 i = 0; i < cs.length; ++i) {
            _add(cs[i]);
        }
    }

    /// @inheritdoc IClientStore
    function updateClient(Client calldata c) external onlyRole(REGISTRAR_ROLE) {
        _validate(c);
        bytes32 h = keccak256(bytes(c.endpoint));
        Record storage r = _records[h];
        if (r.position == 0) revert ClientStore__NotFound(c.endpoint);
        delete _identities[keccak256(bytes(r.bsIdentity))];
        delete _identities[keccak256(bytes(r.srvIdentity))];
        _indexIdentities(c, h);
        _write(r, c);
        r.updatedAt = uint40(block.timestamp);
        emit ClientUpdated(h, c.endpoint, msg.sender);
    }

    /// @inheritdoc IClientStore
    function removeClient(string calldata endpoint, bool compromised) external onlyRole(REGISTRAR_ROLE) {
        bytes32 h = keccak256(bytes(endpoint));
        Record storage r = _records[h];
        uint256 position = r.position;
        if (position == 0) revert ClientStore__NotFound(endpoint);
        delete _identities[keccak256(bytes(r.bsIdentity))];
        delete _identities[keccak256(bytes(r.srvIdentity))];
        uint256 last = _endpointHashes.length;
        if (position != last) {
            bytes32 moved = _endpointHashes[last - 1];
            _endpointHashes[position - 1] = moved;
            _records[moved].position = uint32(position);
        }
        _endpointHashes.pop();
        delete _records[h];
        emit ClientRemoved(h, endpoint, compromised, msg.sender);
    }

    /// @inheritdoc IClientStore
    function getClient(string calldata endpoint) external view returns (Client memory) {
        Record storage r = _records[keccak256(bytes(endpoint))];
        if (r.position == 0) revert ClientStore__NotFound(endpoint);
        return _toClient(r);
    }

    /// @inheritdoc IClientStore
    function getClientByIdentity(string calldata identity) external view returns (Client memory c, bool isBootstrap) {
        bytes32 ih = keccak256(bytes(identity));
        bytes32 h = _identities[ih];
        if (h == bytes32(0)) revert ClientStore__IdentityNotFound(identity);
        Record storage r = _records[h];
        c = _toClient(r);
        isBootstrap = keccak256(bytes(r.bsIdentity)) == ih;
    }

    /// @inheritdoc IClientStore
    function exists(string calldata endpoint) external view returns (bool) {
        return _records[keccak256(bytes(endpoint))].position != 0;
    }

    /// @inheritdoc IClientStore
    function clientCount() external view returns (uint256) {
        return _endpointHashes.length;
    }

    /// @inheritdoc IClientStore
    function listClients(uint256 offset, uint256 limit) external view returns (Client[] memory page) {
        uint256 n = _endpointHashes.length;
        if (offset >= n) return new Client[](0);
        uint256 count = n - offset < limit ? n - offset : limit;
        page = new Client[](count);
        for (uint256 i = 0; i < count; ++i) {
            page[i] = _toClient(_records[_endpointHashes[offset + i]]);
        }
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IClientStore).interfaceId || super.supportsInterface(interfaceId);
    }

    function _add(Client calldata c) private {
        _validate(c);
        bytes32 h = keccak256(bytes(c.endpoint));
        Record storage r = _records[h];
        if (r.position != 0) revert ClientStore__AlreadyExists(c.endpoint);
        _indexIdentities(c, h);
        _endpointHashes.push(h);
        r.endpoint = c.endpoint;
        _write(r, c);
        r.registrar = msg.sender;
        r.createdAt = uint40(block.timestamp);
        r.updatedAt = uint40(block.timestamp);
        r.position = uint32(_endpointHashes.length);
        emit ClientAdded(h, c.endpoint, msg.sender);
    }

    function _validate(Client calldata c) private pure {
        if (bytes(c.endpoint).length == 0) revert ClientStore__InvalidInput("endpoint");
        if (bytes(c.bootstrap.pskIdentity).length == 0) revert ClientStore__InvalidInput("bootstrap.pskIdentity");
        if (c.bootstrap.sealedPsk.length == 0) revert ClientStore__InvalidInput("bootstrap.sealedPsk");
        if (bytes(c.server.pskIdentity).length == 0) revert ClientStore__InvalidInput("server.pskIdentity");
        if (c.server.sealedPsk.length == 0) revert ClientStore__InvalidInput("server.sealedPsk");
        if (c.server.lifetime == 0) revert ClientStore__InvalidInput("server.lifetime");
    }

    /// @dev Claims both identities for endpoint hash `h`; the caller has released the record's old ones.
    function _indexIdentities(Client calldata c, bytes32 h) private {
        bytes32 bsHash = keccak256(bytes(c.bootstrap.pskIdentity));
        bytes32 srvHash = keccak256(bytes(c.server.pskIdentity));
        if (bsHash == srvHash) revert ClientStore__IdentityInUse(c.server.pskIdentity);
        if (_identities[bsHash] != bytes32(0)) revert ClientStore__IdentityInUse(c.bootstrap.pskIdentity);
        if (_identities[srvHash] != bytes32(0)) revert ClientStore__IdentityInUse(c.server.pskIdentity);
        _identities[bsHash] = h;
        _identities[srvHash] = h;
    }

    function _write(Record storage r, Client calldata c) private {
        r.bsIdentity = c.bootstrap.pskIdentity;
        r.bsSealedPsk = c.bootstrap.sealedPsk;
        r.srvIdentity = c.server.pskIdentity;
        r.srvSealedPsk = c.server.sealedPsk;
        r.clearance = c.clearance;
        r.bsServerUri = _intern(c.bootstrap.serverUri);
        r.srvServerUri = _intern(c.server.serverUri);
        r.binding = _intern(c.server.binding);
        r.shortServerId = c.server.shortServerId;
        r.lifetime = c.server.lifetime;
    }

    /// @dev Id (1-based) of `value` in `_interned`, appending it on first use.
    function _intern(string calldata value) private returns (uint32 id) {
        bytes32 h = keccak256(bytes(value));
        id = _internedIds[h];
        if (id == 0) {
            _interned.push(value);
            id = uint32(_interned.length);
            _internedIds[h] = id;
        }
    }

    function _toClient(Record storage r) private view returns (Client memory c) {
        c.endpoint = r.endpoint;
        c.bootstrap =
            BootstrapAccount({serverUri: _interned[r.bsServerUri - 1], pskIdentity: r.bsIdentity, sealedPsk: r.bsSealedPsk});
        c.server = ServerAccount({
            serverUri: _interned[r.srvServerUri - 1],
            pskIdentity: r.srvIdentity,
            sealedPsk: r.srvSealedPsk,
            shortServerId: r.shortServerId,
            lifetime: r.lifetime,
            binding: _interned[r.binding - 1]
        });
        c.clearance = r.clearance;
        c.registrar = r.registrar;
        c.createdAt = r.createdAt;
        c.updatedAt = r.updatedAt;
    }
}

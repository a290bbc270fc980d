// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/**
 * @title Roles
 * @notice Role ids shared by every chainm2m store. Each role id is `keccak256` of its name.
 * The deployer receives `DEFAULT_ADMIN_ROLE` and every role below; the default admin grants
 * and revokes them afterwards with OpenZeppelin's {AccessControl} functions.
 */
abstract contract Roles is AccessControl {
    /// @notice Manages users (UserStore writes).
    bytes32 public constant ADMIN_ROLE = keccak256("ADMIN_ROLE");
    /// @notice Registers, rotates and removes LwM2M clients (ClientStore writes).
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    /// @notice May append anomaly records.
    bytes32 public constant REPORTER_ROLE = keccak256("REPORTER_ROLE");
    /// @notice An LwM2M/bootstrap server; may append anomaly records.
    bytes32 public constant SERVER_ROLE = keccak256("SERVER_ROLE");

    constructor() {
        _grantRole(DEFAULT_ADMIN_ROLE, msg.sender);
        _grantRole(ADMIN_ROLE, msg.sender);
        _grantRole(REGISTRAR_ROLE, msg.sender);
        _grantRole(REPORTER_ROLE, msg.sender);
        _grantRole(SERVER_ROLE, msg.sender);
    }
}

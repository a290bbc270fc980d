/** Role ids of the chainm2m contracts: `keccak256(<name>)`, as in `src/sol/Roles.sol`. */
export const Roles = {
  /** OpenZeppelin AccessControl's default admin (grants and revokes every role). */
  DEFAULT_ADMIN_ROLE: '0x0000000000000000000000000000000000000000000000000000000000000000',
  /** UserStore writes. */
  ADMIN_ROLE: '0xa49807205ce4d355092ef5a8a18f56e8913cf4a201fbe287825b095693c21775',
  /** ClientStore writes. */
  REGISTRAR_ROLE: '0xedcc084d3dcd65a1f7f23c65c46722faca6953d28e43150a467cf43e5c309238',
  /** AnomalyStore appends. */
  REPORTER_ROLE: '0x3204c940063673962b481a0395619b3dbbd137589c419e993978c1c71bcf68ec',
  /** AnomalyStore appends (LwM2M / bootstrap servers). */
  SERVER_ROLE: '0xa8a7bc421f721cb936ea99efdad79237e6ee0b871a2a08cf648691f9584cdc77',
} as const;
export type RoleName = keyof typeof Roles;

export const DEFAULT_ADMIN_ROLE = Roles.DEFAULT_ADMIN_ROLE;
export const ADMIN_ROLE = Roles.ADMIN_ROLE;
export const REGISTRAR_ROLE = Roles.REGISTRAR_ROLE;
export const REPORTER_ROLE = Roles.REPORTER_ROLE;
export const SERVER_ROLE = Roles.SERVER_ROLE;

/** TrustStore writes (evaluations, interface records): `keccak256("EVALUATOR_ROLE")`, defined in TrustStore.sol only. */
export const EVALUATOR_ROLE = '0x4848aa3d2c0568bab3ca9720f91818ee0957e95426fa0627cc4809e2e5ed8be0';

/** SecurityInfo <-> ClientStore `Client` struct, sealing the PSKs on the way in. */
import type { Result } from 'ethers';
import type { SecurityInfo } from '@chainm2m/lwm2m';
import { DuplicateEntryError, InvalidEntryError } from '@chainm2m/lwm2m';
import { SealedField, sealMany, unseal, type SealingKeyPair } from '../sealing/seal.js';
import type { AbiValue } from '../chain/fastAbi.js';

/** A ClientStore record as stored on chain (PSKs sealed). */
export interface SealedClientRecord {
  readonly endpoint: string;
  readonly bootstrap: { readonly serverUri: string; readonly identity: string; readonly sealedPsk: Uint8Array };
  readonly server: {
    readonly serverUri: string;
    readonly identity: string;
    readonly sealedPsk: Uint8Array;
    readonly shortServerId: number;
    readonly lifetime: number;
    readonly binding: string;
  };
  readonly clearance: number;
  readonly registrar: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';

/** Rejects what the contract would reject, before spending a round trip (lwm2m store errors). */
export function validateSecurityInfo(info: SecurityInfo): void {
  const bad = (reason: string): never => {
    throw new InvalidEntryError(`invalid security info for "${String(info?.endpoint)}": ${reason}`, { endpoint: info?.endpoint, reason });
  };
  if (!info || typeof info.endpoint !== 'string' || info.endpoint.length === 0) bad('empty endpoint');
  for (const [name, acc] of [['bootstrap', info.bootstrap], ['server', info.server]] as const) {
    if (!acc || typeof acc.identity !== 'string' || acc.identity.length === 0) bad(`empty ${name} identity`);
    if (typeof acc.serverUri !== 'string') bad(`${name} serverUri`);
    if (!(acc.key instanceof Uint8Array) || acc.key.length === 0) bad(`empty ${name} key`);
  }
  if (info.bootstrap.identity === info.server.identity) throw new DuplicateEntryError('identity', info.server.identity);
  const s = info.server;
  if (!Number.isInteger(s.shortServerId) || s.shortServerId < 0 || s.shortServerId > 0xffff) bad('shortServerId not uint16');
  if (!Number.isInteger(s.lifetime) || s.lifetime <= 0 || s.lifetime > 0xffffffff) bad('lifetime not a positive uint32');
  if (typeof s.binding !== 'string') bad('binding');
  if (!Number.isInteger(info.clearance) || info.clearance < 0 || info.clearance > 255) bad('clearance not uint8');
}

export function sealSecurityInfo(info: SecurityInfo, sealingPublicKey: Uint8Array): SealedClientRecord {
  return sealSecurityInfos([info], sealingPublicKey)[0] as SealedClientRecord;
}

/** Seals the PSKs of many records with one ephemeral key (see `sealMany`); endpoints must be distinct. */
export function sealSecurityInfos(infos: readonly SecurityInfo[], sealingPublicKey: Uint8Array): SealedClientRecord[] {
  for (const info of infos) validateSecurityInfo(info);
  const sealed = sealMany(
    sealingPublicKey,
    infos.flatMap((info) => [
      { plaintext: info.bootstrap.key, context: { record: info.endpoint, field: SealedField.BootstrapPsk } },
      { plaintext: info.server.key, context: { record: info.endpoint, field: SealedField.ServerPsk } },
    ]),
  );
  return infos.map((info, i) => ({
    endpoint: info.endpoint,
    bootstrap: { serverUri: info.bootstrap.serverUri, identity: info.bootstrap.identity, sealedPsk: sealed[2 * i] as Uint8Array },
    server: {
      serverUri: info.server.serverUri,
      identity: info.server.identity,
      sealedPsk: sealed[2 * i + 1] as Uint8Array,
      shortServerId: info.server.shortServerId,
      lifetime: info.server.lifetime,
      binding: info.server.binding,
    },
    clearance: info.clearance,
    registrar: ZERO_ADDRESS,
    createdAt: 0,
    updatedAt: 0,
  }));
}

/** Positional struct value for ABI encoding (ethers or fastAbi). */
export function clientTuple(r: SealedClientRecord): AbiValue[] {
  return [
    r.endpoint,
    [r.bootstrap.serverUri, r.bootstrap.identity, r.bootstrap.sealedPsk],
    [r.server.serverUri, r.server.identity, r.server.sealedPsk, r.server.shortServerId, r.server.lifetime, r.server.binding],
    r.clearance,
    ZERO_ADDRESS,
    0,
    0,
  ];
}

function bytes(hex: unknown): Uint8Array {
  return new Uint8Array(Buffer.from(String(hex).replace(/^0x/, ''), 'hex'));
}

/** Decodes a `Client` struct from an ethers `Result`. */
export function clientFromResult(r: Result): SealedClientRecord {
  const b = r[1] as Result;
  const s = r[2] as Result;
  return {
    endpoint: String(r[0]),
    bootstrap: { serverUri: String(b[0]), identity: String(b[1]), sealedPsk: bytes(b[2]) },
    server: {
      serverUri: String(s[0]),
      identity: String(s[1]),
      sealedPsk: bytes(s[2]),
      shortServerId: Number(s[3]),
      lifetime: Number(s[4]),
      binding: String(s[5]),
    },
    clearance: Number(r[3]),
    registrar: String(r[4]),
    createdAt: Number(r[5]),
    updatedAt: Number(r[6]),
  };
}

export function unsealClientRecord(r: SealedClientRecord, keyPair: SealingKeyPair): SecurityInfo {
  return {
    endpoint: r.endpoint,
    bootstrap: {
      serverUri: r.bootstrap.serverUri,
      identity: r.bootstrap.identity,
      key: unseal(keyPair, r.bootstrap.sealedPsk, { record: r.endpoint, field: SealedField.BootstrapPsk }),
    },
    server: {
      serverUri: r.server.serverUri,
      identity: r.server.identity,
      key: unseal(keyPair, r.server.sealedPsk, { record: r.endpoint, field: SealedField.ServerPsk }),
      shortServerId: r.server.shortServerId,
      lifetime: r.server.lifetime,
      binding: r.server.binding,
    },
    clearance: r.clearance,
    registrar: r.registrar,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

function eqBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

/** Same credentials and settings (timestamps included). */
export function sameSecurityInfo(a: SecurityInfo, b: SecurityInfo): boolean {
  return (
    a.endpoint === b.endpoint &&
    a.clearance === b.clearance &&
    a.registrar.toLowerCase() === b.registrar.toLowerCase() &&
    a.createdAt === b.createdAt &&
    a.updatedAt === b.updatedAt &&
    a.bootstrap.serverUri === b.bootstrap.serverUri &&
    a.bootstrap.identity === b.bootstrap.identity &&
    eqBytes(a.bootstrap.key, b.bootstrap.key) &&
    a.server.serverUri === b.server.serverUri &&
    a.server.identity === b.server.identity &&
    eqBytes(a.server.key, b.server.key) &&
    a.server.shortServerId === b.server.shortServerId &&
    a.server.lifetime === b.server.lifetime &&
    a.server.binding === b.server.binding
  );
}

/** The size-relevant shape of a record once sealed (sealing adds 53 bytes), without sealing it. */
export function sealedShape(info: SecurityInfo): SealedClientRecord {
  return {
    endpoint: info.endpoint,
    bootstrap: { serverUri: info.bootstrap.serverUri, identity: info.bootstrap.identity, sealedPsk: new Uint8Array(info.bootstrap.key.length + 53) },
    server: {
      serverUri: info.server.serverUri,
      identity: info.server.identity,
      sealedPsk: new Uint8Array(info.server.key.length + 53),
      shortServerId: info.server.shortServerId,
      lifetime: info.server.lifetime,
      binding: info.server.binding,
    },
    clearance: info.clearance,
    registrar: ZERO_ADDRESS,
    createdAt: 0,
    updatedAt: 0,
  };
}

/**
 * Upper bound of the gas `addClients` spends on one record: storage dominates (a new slot costs
 * 22,100 gas; a string under 32 bytes takes 1 slot, a longer one 1 + ceil(len / 32)). Calibrated
 * on the ClientStore contract (~443k gas for a typical record, bound ~525k); a chunk that still runs
 * out of gas is re-sent with an `eth_estimateGas` limit.
 */
export function clientGasBound(r: SealedClientRecord): bigint {
  const slots = (n: number): number => (n < 32 ? 1 : 1 + Math.ceil(n / 32));
  const s =
    slots(Buffer.byteLength(r.endpoint)) * 2 +
    slots(Buffer.byteLength(r.bootstrap.serverUri)) +
    slots(Buffer.byteLength(r.bootstrap.identity)) * 2 +
    slots(r.bootstrap.sealedPsk.length) +
    slots(Buffer.byteLength(r.server.serverUri)) +
    slots(Buffer.byteLength(r.server.identity)) * 2 +
    slots(r.server.sealedPsk.length) +
    slots(Buffer.byteLength(r.server.binding));
  return 100_000n + BigInt(s) * 25_000n;
}

/** Rough calldata size of one record in `addClients`. */
export function clientCalldataSize(r: SealedClientRecord): number {
  const pad = (n: number): number => 32 + Math.ceil(n / 32) * 32;
  return (
    32 * 20 +
    pad(Buffer.byteLength(r.endpoint)) +
    pad(Buffer.byteLength(r.bootstrap.serverUri)) +
    pad(Buffer.byteLength(r.bootstrap.identity)) +
    pad(r.bootstrap.sealedPsk.length) +
    pad(Buffer.byteLength(r.server.serverUri)) +
    pad(Buffer.byteLength(r.server.identity)) +
    pad(r.server.sealedPsk.length) +
    pad(Buffer.byteLength(r.server.binding))
  );
}

/**
 * The provenance record and its canonical encoding.
 *
 * Canonical encoding (version 1): the UTF-8 bytes of `JSON.stringify` of this array, in this
 * order, with no whitespace:
 *
 *   ["chainm2m-provenance-v1", seq, time, tx, provenance, sender, senderClearance, receiver,
 *    receiverClearance, action, operation,
 *    path, contentFormat, requestSha256, answerSha256, outcome, valid, reason, prevHash,
 *    appSignature]
 *
 * where absent optional fields are `null`, numbers are non-negative safe integers, hashes are
 * 64 lowercase hex digits, and `appSignature` is `null` or the array
 * `[publicKey, signature, method, target, bodySha256]` (base64url key and signature). Only
 * strings, safe integers, booleans and null occur, so the bytes equal the RFC 8785 (JCS)
 * serialization of the same array and any language can recompute them.
 *
 * `hash` = SHA-256 of the canonical bytes (hex); `prevHash` is the `hash` of the record before
 * (64 zeros for the first record); `signature` = Ed25519 by the server over the 32 bytes of
 * `hash` (base64url). The Merkle leaf of a record is its `hash` as a `bytes32`.
 */
import { createHash } from 'node:crypto';
import { canonicalRecordJson } from './canonical.js';
import { ProvenanceError } from './ProvenanceError.js';

export { RECORD_DOMAIN } from './canonical.js';
export const GENESIS_HASH = '0'.repeat(64);

export const ProvenanceActions = ['begin', 'continue', 'end'] as const;
export type ProvenanceAction = (typeof ProvenanceActions)[number];

/** An application's signature over its request (see `appSigningMessage`). */
export interface AppSignature {
  /** Ed25519 public key, raw 32 bytes, base64url. */
  readonly publicKey: string;
  /** Ed25519 signature, base64url. */
  readonly signature: string;
  /** HTTP method of the signed request. */
  readonly method: string;
  /** HTTP path (with query) of the signed request. */
  readonly target: string;
  /** SHA-256 (hex) of the request body (of the empty string when there is none). */
  readonly bodySha256: string;
}

/** Everything of a record the hash covers. */
export interface RecordBody {
  readonly seq: number;
  /** Milliseconds since the epoch. */
  readonly time: number;
  readonly tx: string;
  /** The party that began the transaction. */
  readonly provenance: string;
  readonly sender: string;
  /** The sender's clearance when the record was made (0-255). */
  readonly senderClearance: number;
  readonly receiver: string;
  readonly receiverClearance: number;
  readonly action: ProvenanceAction;
  /** `read`, `write`, `observe`, `notify`, `send`, `register`, `transaction.begin`, ... */
  readonly operation: string;
  readonly path: string | null;
  readonly contentFormat: number | null;
  readonly requestSha256: string | null;
  readonly answerSha256: string | null;
  /** CoAP (`2.05`) or HTTP (`403`) outcome. */
  readonly outcome: string | null;
  readonly valid: boolean;
  /** Why the record is invalid; `null` when valid. */
  readonly reason: string | null;
  readonly prevHash: string;
  readonly appSignature: AppSignature | null;
}

export interface ProvenanceRecord extends RecordBody {
  /** SHA-256 of the canonical encoding, hex. */
  readonly hash: string;
  /** Server Ed25519 signature over the hash bytes, base64url. */
  readonly signature: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const B64URL = /^[A-Za-z0-9_-]+$/;

export function canonicalRecordBytes(b: RecordBody): Buffer {
  return Buffer.from(canonicalRecordJson(b), 'utf8');
}

/** SHA-256 (hex) of the canonical encoding. */
export function recordHash(b: RecordBody): string {
  return createHash('sha256').update(canonicalRecordBytes(b)).digest('hex');
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function fail(what: string): never {
  throw new ProvenanceError('PROV_INVALID_INPUT', `malformed provenance record: ${what}`, { details: { field: what } });
}

function str(o: Record<string, unknown>, k: string, max = 1024): string {
  const v = o[k];
  if (typeof v !== 'string' || v.length > max) fail(k);
  return v;
}

function strOrNull(o: Record<string, unknown>, k: string, max = 1024): string | null {
  return o[k] === null ? null : str(o, k, max);
}

function uint(o: Record<string, unknown>, k: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(k);
  return v;
}

function hex64(o: Record<string, unknown>, k: string): string {
  const v = str(o, k);
  if (!HEX64.test(v)) fail(k);
  return v;
}

function hex64OrNull(o: Record<string, unknown>, k: string): string | null {
  return o[k] === null ? null : hex64(o, k);
}

function parseAppSignature(v: unknown): AppSignature | null {
  if (v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) fail('appSignature');
  const o = v as Record<string, unknown>;
  const publicKey = str(o, 'publicKey', 64);
  const signature = str(o, 'signature', 128);
  if (!B64URL.test(publicKey) || !B64URL.test(signature)) fail('appSignature');
  return { publicKey, signature, method: str(o, 'method', 16), target: str(o, 'target', 2048), bodySha256: hex64(o, 'bodySha256') };
}

/** A record from untrusted JSON (a log line, a receipt), checked field by field. */
export function parseRecord(value: unknown): ProvenanceRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('record');
  const o = value as Record<string, unknown>;
  const action = o['action'];
  if (!ProvenanceActions.includes(action as ProvenanceAction)) fail('action');
  const valid = o['valid'];
  if (typeof valid !== 'boolean') fail('valid');
  const cf = o['contentFormat'];
  if (cf !== null && (typeof cf !== 'number' || !Number.isSafeInteger(cf) || cf < 0 || cf > 65535)) fail('contentFormat');
  const signature = str(o, 'signature', 128);
  if (!B64URL.test(signature)) fail('signature');
  return {
    seq: uint(o, 'seq'),
    time: uint(o, 'time'),
    tx: str(o, 'tx', 128),
    provenance: str(o, 'provenance', 256),
    sender: str(o, 'sender', 256),
    senderClearance: uint(o, 'senderClearance'),
    receiver: str(o, 'receiver', 256),
    receiverClearance: uint(o, 'receiverClearance'),
    action: action as ProvenanceAction,
    operation: str(o, 'operation', 64),
    path: strOrNull(o, 'path', 1024),
    contentFormat: cf as number | null,
    requestSha256: hex64OrNull(o, 'requestSha256'),
    answerSha256: hex64OrNull(o, 'answerSha256'),
    outcome: strOrNull(o, 'outcome', 16),
    valid,
    reason: strOrNull(o, 'reason', 512),
    prevHash: hex64(o, 'prevHash'),
    appSignature: parseAppSignature(o['appSignature']),
    hash: hex64(o, 'hash'),
    signature,
  };
}

/** The fields the hash covers (drops `hash` and `signature`). */
export function bodyOf(r: ProvenanceRecord): RecordBody {
  const { hash: _h, signature: _s, ...body } = r;
  return body;
}

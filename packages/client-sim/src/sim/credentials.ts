import { createHash } from 'node:crypto';

export interface PskCredentials {
  readonly identity: string;
  readonly key: Uint8Array;
}

/** Endpoint names of a simulation run: `${prefix}1` .. `${prefix}N`. */
export function simulationEndpoints(prefix: string, devices: number, start = 1): string[] {
  return Array.from({ length: devices }, (_, i) => `${prefix}${start + i}`);
}

/**
 * Deterministic credentials for simulated endpoints, so `--provision` (which writes them to the
 * chain) and a later `sim` run agree without storing keys: identities `<ep>-bs` / `<ep>-srv`,
 * 16-byte keys from SHA-256(secret, account, endpoint). For simulations only — anyone knowing
 * `secret` knows the keys.
 */
export function deriveSimCredentials(endpoint: string, secret = 'chainm2m-sim'): { bootstrap: PskCredentials; server: PskCredentials } {
  const key = (account: string): Uint8Array =>
    new Uint8Array(createHash('sha256').update(`${secret}\0${account}\0${endpoint}`).digest().subarray(0, 16));
  return {
    bootstrap: { identity: `${endpoint}-bs`, key: key('bootstrap') },
    server: { identity: `${endpoint}-srv`, key: key('server') },
  };
}

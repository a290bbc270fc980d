/** The PSK cipher suites we speak (RFC 6655, RFC 5487), and their key block layout. */
export type CipherSuiteName =
  | 'TLS_PSK_WITH_AES_128_CCM_8'
  | 'TLS_PSK_WITH_AES_128_CCM'
  | 'TLS_PSK_WITH_AES_128_GCM_SHA256'
  | 'TLS_PSK_WITH_AES_128_CBC_SHA256';

export interface CipherSuiteInfo {
  readonly id: number;
  readonly name: CipherSuiteName;
  readonly mode: 'ccm' | 'gcm' | 'cbc';
  /** AEAD tag length (0 for CBC). */
  readonly tagLength: number;
  readonly macKeyLength: number;
  readonly keyLength: number;
  readonly fixedIvLength: number;
}

export const CipherSuites: Readonly<Record<CipherSuiteName, CipherSuiteInfo>> = {
  TLS_PSK_WITH_AES_128_CCM_8: { id: 0xc0a8, name: 'TLS_PSK_WITH_AES_128_CCM_8', mode: 'ccm', tagLength: 8, macKeyLength: 0, keyLength: 16, fixedIvLength: 4 },
  TLS_PSK_WITH_AES_128_CCM: { id: 0xc0a4, name: 'TLS_PSK_WITH_AES_128_CCM', mode: 'ccm', tagLength: 16, macKeyLength: 0, keyLength: 16, fixedIvLength: 4 },
  TLS_PSK_WITH_AES_128_GCM_SHA256: { id: 0x00a8, name: 'TLS_PSK_WITH_AES_128_GCM_SHA256', mode: 'gcm', tagLength: 16, macKeyLength: 0, keyLength: 16, fixedIvLength: 4 },
  TLS_PSK_WITH_AES_128_CBC_SHA256: { id: 0x00ae, name: 'TLS_PSK_WITH_AES_128_CBC_SHA256', mode: 'cbc', tagLength: 0, macKeyLength: 32, keyLength: 16, fixedIvLength: 0 },
};

export const DEFAULT_CIPHER_SUITES: readonly CipherSuiteName[] = [
  'TLS_PSK_WITH_AES_128_CCM_8',
  'TLS_PSK_WITH_AES_128_CCM',
  'TLS_PSK_WITH_AES_128_GCM_SHA256',
  'TLS_PSK_WITH_AES_128_CBC_SHA256',
];

const byId = new Map<number, CipherSuiteInfo>(Object.values(CipherSuites).map((s) => [s.id, s]));

export function suiteById(id: number): CipherSuiteInfo | undefined {
  return byId.get(id);
}

export function keyBlockLength(s: CipherSuiteInfo): number {
  return 2 * (s.macKeyLength + s.keyLength + s.fixedIvLength);
}

export interface KeyMaterial {
  readonly clientMacKey: Buffer;
  readonly serverMacKey: Buffer;
  readonly clientKey: Buffer;
  readonly serverKey: Buffer;
  readonly clientIv: Buffer;
  readonly serverIv: Buffer;
}

/** Splits a key block (RFC 5246 §6.3). */
export function splitKeyBlock(s: CipherSuiteInfo, kb: Buffer): KeyMaterial {
  let p = 0;
  // Views into the key block (which nobody else holds), no copies.
  const take = (n: number): Buffer => {
    const v = kb.subarray(p, p + n);
    p += n;
    return v;
  };
  return {
    clientMacKey: take(s.macKeyLength),
    serverMacKey: take(s.macKeyLength),
    clientKey: take(s.keyLength),
    serverKey: take(s.keyLength),
    clientIv: take(s.fixedIvLength),
    serverIv: take(s.fixedIvLength),
  };
}

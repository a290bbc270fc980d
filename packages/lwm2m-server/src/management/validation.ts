import { Lwm2mServerError } from '../Lwm2mServerError.js';

/** LwM2M endpoint names: URN-like text; `/` is reserved (bootstrap identities are `bs/<ep>`). */
const ENDPOINT_RE = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/;
const USERNAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const IDENTITY_RE = /^[\x21-\x7e]{1,128}$/;

export const PSK_MIN_BYTES = 8;
export const PSK_MAX_BYTES = 64;

export function badField(field: string, message: string): Lwm2mServerError {
  return new Lwm2mServerError('SRV_INVALID_FIELD', `${field}: ${message}`, { details: { field } });
}

export function checkEndpointName(endpoint: string, field = 'endpoint'): string {
  if (!ENDPOINT_RE.test(endpoint)) {
    throw badField(field, 'must be 1-128 characters of letters, digits and . _ : @ + - (starting with a letter or digit)');
  }
  return endpoint;
}

export function checkUsername(username: string, field = 'username'): string {
  if (!USERNAME_RE.test(username)) throw badField(field, 'must be 1-64 characters of letters, digits and . _ @ -');
  return username;
}

export function checkIdentity(identity: string, field: string): string {
  if (!IDENTITY_RE.test(identity)) throw badField(field, 'must be 1-128 printable ASCII characters without spaces');
  return identity;
}

export function checkIntRange(value: number, min: number, max: number, field: string): number {
  if (!Number.isInteger(value) || value < min || value > max) throw badField(field, `must be an integer from ${min} to ${max}`);
  return value;
}

/** A PSK given as hex or as text (libcoap's `-k` takes text keys). The error never echoes the key. */
export function parsePsk(
  input: { hex?: string | undefined; text?: string | undefined },
  fields: string | { readonly hex: string; readonly text: string },
): Uint8Array | undefined {
  // Errors name what the user typed: `--psk-text` for a text key, `--psk` for a hex one.
  const names = typeof fields === 'string' ? { hex: fields, text: fields } : fields;
  const field = input.text !== undefined && input.hex === undefined ? names.text : names.hex;
  if (input.hex !== undefined && input.text !== undefined) throw badField(names.hex, `give the key as hex (${names.hex}) or as text (${names.text}), not both`);
  let key: Uint8Array | undefined;
  if (input.hex !== undefined) {
    const hex = input.hex.startsWith('0x') ? input.hex.slice(2) : input.hex;
    if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw badField(field, 'is not valid hex');
    key = new Uint8Array(Buffer.from(hex, 'hex'));
  } else if (input.text !== undefined) {
    key = new Uint8Array(Buffer.from(input.text, 'utf8'));
  }
  if (key && (key.length < PSK_MIN_BYTES || key.length > PSK_MAX_BYTES)) {
    throw badField(field, `must be ${PSK_MIN_BYTES} to ${PSK_MAX_BYTES} bytes long (got ${key.length})`);
  }
  return key;
}

/** Shared test data for the codec tests and the benchmark (not exported from the package). */
import type { Lwm2mObjectInstance } from '../node/Lwm2mNode.js';
import { multipleResource, objectInstance, singleResource } from '../node/Lwm2mNode.js';

export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  return Uint8Array.from(clean.match(/../g) ?? [], (h) => parseInt(h, 16));
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex').toUpperCase();
}

/** LwM2M TS Core (1.0 §6.4.3.1 / 1.1 §7.4.3) example: Read /3/0 answered in TLV. */
export const DEVICE_TLV_HEX = `
C8 00 14 4F 70 65 6E 20 4D 6F 62 69 6C 65 20 41 6C 6C 69 61 6E 63 65
C8 01 16 4C 69 67 68 74 77 65 69 67 68 74 20 4D 32 4D 20 43 6C 69 65 6E 74
C8 02 09 33 34 35 30 30 30 31 32 33
C3 03 31 2E 30
86 06 41 00 01 41 01 05
88 07 08 42 00 0E D8 42 01 13 88
87 08 41 00 7D 42 01 03 84
C1 09 64
C1 0A 0F
83 0B 41 00 00
C4 0D 51 82 42 8F
C6 0E 2B 30 32 3A 30 30
C1 10 55`;

/** The same /3/0 instance as nodes. */
export function deviceInstance(): Lwm2mObjectInstance {
  return objectInstance(0, [
    singleResource(0, 'string', 'Open Mobile Alliance'),
    singleResource(1, 'string', 'Lightweight M2M Client'),
    singleResource(2, 'string', '345000123'),
    singleResource(3, 'string', '1.0'),
    multipleResource(6, 'integer', { 0: 1, 1: 5 }),
    multipleResource(7, 'integer', { 0: 3800, 1: 5000 }),
    multipleResource(8, 'integer', { 0: 125, 1: 900 }),
    singleResource(9, 'integer', 100),
    singleResource(10, 'integer', 15),
    multipleResource(11, 'integer', { 0: 0 }),
    singleResource(13, 'time', new Date(1367491215 * 1000)),
    singleResource(14, 'string', '+02:00'),
    singleResource(16, 'string', 'U'),
  ]);
}

/**
 * TS Core example: Read /2 (Access Control, two instances) in TLV. The TS prints the second ACL
 * header as `86`, which contradicts its own 7-byte content and the enclosing length 0x12; the
 * consistent `87` is used (as other implementations do).
 */
export const ACL_TLV_HEX = `
08 00 0E C1 00 01 C1 01 00 83 02 41 7F 07 C1 03 7F
08 02 12 C1 00 03 C1 01 00 87 02 41 7F 07 61 01 36 01 C1 03 7F`;

/**
 * TS Core example: Read /1 (one Server instance, wrapped): short server id 1, lifetime 86400,
 * notification storing true, binding U. The TS prints the length as 0x0D; the content is 15 bytes.
 */
export const SERVER_TLV_HEX = `08 00 0F C1 00 01 C4 01 00 01 51 80 C1 06 01 C1 07 55`;

/** RFC 7641 §3.4: is a notification (v2 received at t2) newer than the last one (v1 at t1)? */
export const OBSERVE_SEQ_MODULUS = 2 ** 24;
const HALF = 2 ** 23;
/** 128 s: after this long any notification counts as newer. */
export const OBSERVE_FRESHNESS_MS = 128_000;

export function isNewerNotification(v1: number, t1: number, v2: number, t2: number): boolean {
  return (v1 < v2 && v2 - v1 < HALF) || (v1 > v2 && v1 - v2 > HALF) || t2 > t1 + OBSERVE_FRESHNESS_MS;
}

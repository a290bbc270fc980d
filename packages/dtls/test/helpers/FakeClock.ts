/**
 * The fake clock of the dtls tests is lwm2m's: a test-only dependency (the dtls package itself
 * imports nothing from lwm2m; its Clock has the same shape).
 */
export { FakeClock } from '@chainm2m/lwm2m';

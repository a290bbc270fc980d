/**
 * Test helpers for `@chainm2m/lwm2m` store implementations. Imports vitest: reach it only through
 * `@chainm2m/lwm2m/testing`, never from the package's main entry.
 */
export { describeSecurityStore } from './describeSecurityStore.js';
export type { SecurityStoreSuiteOptions } from './describeSecurityStore.js';
export { describeRegistrationStore } from './describeRegistrationStore.js';
export type { RegistrationStoreSuiteOptions } from './describeRegistrationStore.js';
export { describeBootstrapConfigStore } from './describeBootstrapConfigStore.js';
export type { BootstrapConfigStoreFixture, BootstrapConfigStoreSuiteOptions } from './describeBootstrapConfigStore.js';
export { makeRegistration, makeSecurityInfo, uniqueName } from './fixtures.js';

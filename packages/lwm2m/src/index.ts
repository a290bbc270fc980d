export * from './Lwm2mError.js';
export * from './store/SecurityStore.js';
export * from './store/BootstrapConfigStore.js';
export * from './store/RegistrationStore.js';
export * from './store/UserDirectory.js';
export * from './store/AnomalyLog.js';
export * from './transport/DatagramTransport.js';
export * from './time/Clock.js';

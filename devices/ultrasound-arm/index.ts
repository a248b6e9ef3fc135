export * from './arm-driver.js';
export * from './arm-state.js';
export * from './transport.js';
export * from './tcp-transport.js';

export * from './cart-driver.js';
export * from './cart-state.js';
export * from './record-assembler.js';
export * from './transport.js';
export * from './serialport-transport.js';
export * from './fake-transport.js';
export { Watchdog, backoffMs, systemTimers, type Timers } from './watchdog.js';

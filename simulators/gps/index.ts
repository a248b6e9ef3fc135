export * from './gps-simulator.js';
export * from './nmea-out.js';
export * from './route.js';

export * from './arm-simulator.js';
export * from './bmode.js';
export * from './kinematics.js';
export * from './phantom.js';
export * from './wires.js';
export * from './image-server.js';

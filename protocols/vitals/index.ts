export * from './mdc-table.js';
export * from './units.js';

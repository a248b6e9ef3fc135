// The Device seam (device-api.ts) every driver implements. The synthetic placeholder device that
// gave this folder its name is gone (issue 10 item 7: the demo runs the real drivers); the seam
// moves to devices/device.ts in a later change that updates its importers in every driver folder.
export * from './device-api.js';

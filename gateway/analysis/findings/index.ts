export { analyseEcgFindings } from './analyse.js';
export { ANALYSER_VERSION, EcgFindingCode, TECHNICAL_CODES } from './codes.js';
export { cartStatementFindings } from './cart-statements.js';
export { type BeatBounds, delineate, spatialVelocity } from './delineate.js';
export { type LeadIssue, type LeadSignal, leadSignal } from './lead-signal.js';
export { rhythmFindings } from './rhythm-findings.js';
export { stLevels, stemiCriteria } from './st-segment.js';

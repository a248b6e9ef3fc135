export * from './scenario-types.js';
export { VitalsScenario, createScenario, NUMERICS_PERIOD_MS } from './scenario.js';
export { TIMELINE, physStateAt } from './scenario-trajectories.js';
export { WAVE_CHANNELS } from './waveforms.js';
export { MONITOR_LIMITS, ARRHYTHMIA_CONFIRM_MS } from './monitor-alarms.js';
export type { VitalParameter } from '../../protocols/vitals/index.js';
export { MqttMonitorSimulator, type MqttMonitorOptions, type MqttMonitorCounts } from './mqtt-monitor.js';

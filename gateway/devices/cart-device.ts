import type { Logger } from 'pino';
import { pino } from 'pino';
import { TrafficClass, type Clock } from '../../protocols/index.js';
import { telemed } from '../../protocols/index.js';
import { CartDriver, SerialPortTransport } from '../../devices/ecg-cart/index.js';
import type { Device } from '../../devices/device.js';
import type { EcgRecord } from '../../protocols/ecg/record.js';
import type { DeviceConfig } from '../config.js';
import { cartRecordToEcgRecord } from '../ecg/cart-record.js';
import { GatewayError, GatewayErrorCode } from '../errors.js';

/** Leads streamed live when the config does not say: the usual monitoring leads (II, V1, V5). */
export const DEFAULT_LIVE_LEADS: readonly string[] = ['II', 'V1', 'V5'];

/** Where a finished cart record goes (gateway/ecg: analysis, preview, send). */
export type CartRecordSink = (record: EcgRecord, deviceId: string) => void;

/**
 * Builds the ECG cart driver (config kind `ecg-cart`) on the real serial port. The driver emits
 * live WAVEFORM blocks as readings and each finished record as a `record` event, handed here to
 * `onRecord` as an EcgRecord (gateway/ecg analyses and sends it); lead-off changes become a
 * durable technical ALARM reading so the hub sees them too.
 */
export function createCartDevice(config: DeviceConfig, deps: { clock: Clock; logger?: Logger; onRecord?: CartRecordSink }): Device {
  if (config.path === undefined) throw new GatewayError(GatewayErrorCode.DEVICE_KIND, `ecg-cart ${config.id} needs a path`);
  const driver = new CartDriver({
    id: config.id,
    path: config.path,
    transport: () => new SerialPortTransport(),
    clock: deps.clock,
    logger: deps.logger ?? pino({ level: 'silent' }),
    ...(config.baud === undefined ? {} : { baudRate: config.baud }),
    liveLeads: config.liveLeads ?? DEFAULT_LIVE_LEADS,
  });
  const v1 = telemed.v1;
  const log = deps.logger ?? pino({ level: 'silent' });
  driver.on('record', (r) => {
    if (r.aborted || deps.onRecord === undefined) return;
    const info = driver.deviceInfo;
    // RecordStop is the last sample: acquisition began `length` samples before now.
    const startMs = deps.clock.nowNs() / 1e6 - (r.length / r.sampleRateHz) * 1000;
    try {
      deps.onRecord(cartRecordToEcgRecord(r, {
        startTime: new Date(startMs).toISOString(),
        device: info === null ? null : { model: info.model, serial: info.serial, firmware: info.firmware },
        leadInfo: info?.leads ?? null,
      }), config.id);
    } catch (err) {
      log.error({ err, recordId: r.recordId }, 'ECG record not taken');
    }
  });
  let n = 0;
  driver.on('leadOff', ({ leads }) => {
    n += 1;
    const active = leads.length > 0;
    driver.emit('reading', {
      stream: 'lead-off',
      trafficClass: TrafficClass.TRAFFIC_CLASS_ALARM,
      durable: true,
      captureTimeNs: deps.clock.nowNs(),
      payload: {
        alarm: {
          alarmId: `${config.id}-lead-off-${n}`, deviceId: config.id,
          kind: v1.AlarmKind.ALARM_KIND_TECHNICAL, priority: v1.AlarmPriority.ALARM_PRIORITY_MEDIUM,
          state: active ? v1.AlarmState.ALARM_STATE_ACTIVE : v1.AlarmState.ALARM_STATE_CLEARED,
          code: 'TM_ALARM_ECG_LEAD_OFF', text: active ? `lead off: ${leads.join(' ')}` : 'all leads on', value: leads.length, unit: 'leads',
        },
      },
    });
  });
  return driver;
}

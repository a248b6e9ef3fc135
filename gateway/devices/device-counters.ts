// Per-device counters for the gateway's /metrics (gateway/metrics.ts): what each driver received,
// what it rejected under which stable code, and how often its session was re-established. The
// drivers keep their own counts (each in its own shape); this file reads them into one shape so
// the metrics need not know a driver.
import { CartDriver } from '../../devices/ecg-cart/index.js';
import { GpsNmeaDevice } from '../../devices/gps/index.js';
import { Hl7MllpDevice } from '../../devices/hl7-mllp/index.js';
import type { Device, DeviceState } from '../../devices/device.js';
import { VitalsMqttDevice } from '../../devices/vitals-monitor/index.js';

/** One device's counters, monotonic over the gateway process's life. */
export interface DeviceCounterSnapshot {
  readonly device: string;
  readonly kind: string;
  /**
   * Units received from the device: cart frames (COBS frames that decoded), MQTT messages,
   * HL7 messages (MLLP frames handed to the receiver), NMEA sentences.
   */
  readonly received: number;
  /** Rejected units by stable TM_ERR_* code (a fixed set per driver: bounded label values). */
  readonly rejected: Readonly<Record<string, number>>;
  /**
   * Sessions re-established after the first: cart and GPS serial port reopens (the driver's own
   * count); MQTT monitor sessions back to `running` after leaving it; HL7 sender connections
   * accepted after the first (a monitor reconnecting, or a second sender).
   */
  readonly reconnects: number;
}

type Reader = () => DeviceCounterSnapshot;

function sum(...maps: readonly Readonly<Record<string, number | undefined>>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of maps) for (const [k, v] of Object.entries(m)) if (v !== undefined) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** Counts entries into `running` after the first, for drivers that do not count reconnects. */
function sessionRestarts(d: Device): () => number {
  let runs = 0;
  let last: DeviceState = d.state;
  if (last === 'running') runs = 1;
  d.on('state', (s) => {
    if (s === 'running' && last !== 'running') runs += 1;
    last = s;
  });
  return () => Math.max(0, runs - 1);
}

function readerFor(d: Device): Reader | null {
  if (d instanceof CartDriver) {
    return () => ({ device: d.id, kind: d.kind, received: d.stats.frames, rejected: { ...d.stats.frameErrors }, reconnects: d.stats.reconnects });
  }
  if (d instanceof GpsNmeaDevice) {
    return () => ({ device: d.id, kind: d.kind, received: d.stats.lines, rejected: { ...d.stats.errors }, reconnects: d.stats.reconnects });
  }
  if (d instanceof VitalsMqttDevice) {
    const restarts = sessionRestarts(d);
    return () => ({ device: d.id, kind: d.kind, received: d.counts.messages, rejected: sum(d.counts.rejected), reconnects: restarts() });
  }
  if (d instanceof Hl7MllpDevice) {
    return () => {
      const { receiver, listener } = d.stats;
      return {
        device: d.id, kind: d.kind, received: receiver.messages,
        rejected: sum(receiver.errors, listener?.errors ?? {}),
        reconnects: Math.max(0, (listener?.connectionsAccepted ?? 0) - 1),
      };
    };
  }
  return null;
}

/**
 * The counters of a gateway's devices. Devices of other kinds (load generator, ultrasound arm) have
 * no row: their own metrics, if any, live with them.
 */
export class DeviceCounters {
  private readonly readers: Reader[];

  constructor(devices: readonly Device[]) {
    this.readers = devices.map(readerFor).filter((r): r is Reader => r !== null);
  }

  snapshot(): DeviceCounterSnapshot[] {
    return this.readers.map((r) => r());
  }
}

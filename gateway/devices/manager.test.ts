import { describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { systemClock, TrafficClass } from '../../protocols/index.js';
import type { Device, DeviceEvents, DeviceState } from '../../devices/device.js';
import { loadGatewayConfig } from '../config.js';
import { GatewayError, GatewayErrorCode } from '../errors.js';
import { DeviceManager } from './manager.js';
import type { BuildFrameInput } from '../uplink/streams.js';

class StubDevice extends EventEmitter<DeviceEvents> implements Device {
  readonly kind = 'stub';
  state: DeviceState = 'stopped';
  constructor(readonly id: string) { super(); }
  start(): Promise<void> { this.state = 'running'; return Promise.resolve(); }
  stop(): Promise<void> { this.state = 'stopped'; return Promise.resolve(); }
  emitVitals(): void {
    this.emit('reading', { stream: 'vitals', trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS, durable: true, captureTimeNs: 5, payload: { vitals: { numerics: [] } } });
  }
}

describe('DeviceManager', () => {
  it('routes readings as <deviceId>/<stream> frames and lists device states', async () => {
    const got: BuildFrameInput[] = [];
    const devs: StubDevice[] = [];
    const m = new DeviceManager([loadGatewayConfig({ gatewayId: 'gw', hub: { credential: 'x' }, devices: [{ kind: 'load', id: 'a' }] }).devices[0]!], (f) => got.push(f), {
      clock: systemClock, logger: pino({ level: 'silent' }), factory: (c) => { const d = new StubDevice(c.id); devs.push(d); return d; },
    });
    await m.start(new AbortController().signal);
    devs[0]?.emitVitals();
    expect(got).toEqual([{ streamId: 'a/vitals', trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS, durable: true, captureTimeNs: 5, payload: { vitals: { numerics: [] } } }]);
    expect(m.list()).toEqual([{ id: 'a', kind: 'stub', state: 'running' }]);
    await m.stop();
    expect(m.list()[0]?.state).toBe('stopped');
  });

  it('counts readings refused by a full outbox instead of throwing into the driver', async () => {
    const devs: StubDevice[] = [];
    const m = new DeviceManager([loadGatewayConfig({ gatewayId: 'gw', hub: { credential: 'x' }, devices: [{ kind: 'load', id: 'a' }] }).devices[0]!], () => { throw new GatewayError(GatewayErrorCode.OUTBOX_FULL, 'full'); }, {
      clock: systemClock, logger: pino({ level: 'silent' }), factory: (c) => { const d = new StubDevice(c.id); devs.push(d); return d; },
    });
    await m.start(new AbortController().signal);
    devs[0]?.emitVitals();
    devs[0]?.emitVitals();
    expect(m.refused).toBe(2);
  });
});

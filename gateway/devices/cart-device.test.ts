import { describe, expect, it } from 'vitest';
import { systemClock, TrafficClass } from '../../protocols/index.js';
import { CartDriver } from '../../devices/ecg-cart/index.js';
import type { Reading } from '../../devices/device.js';
import { loadGatewayConfig } from '../config.js';
import { defaultDeviceFactory } from './manager.js';

const base = { gatewayId: 'gw-1', hub: { credential: 'x' } };

describe('ecg-cart device config', () => {
  it('builds a CartDriver from a config entry with a stable path', () => {
    const cfg = loadGatewayConfig({ ...base, devices: [{ kind: 'ecg-cart', id: 'cart-1', path: '/dev/serial/by-id/usb-cart', baud: 115200 }] });
    const dev = defaultDeviceFactory(cfg.devices[0]!, { clock: systemClock });
    expect(dev).toBeInstanceOf(CartDriver);
    expect(dev.kind).toBe('ecg-cart');
    expect(dev.state).toBe('stopped');
  });

  it('rejects an ecg-cart entry without a path', () => {
    expect(() => loadGatewayConfig({ ...base, devices: [{ kind: 'ecg-cart', id: 'cart-1' }] })).toThrow(/ecg-cart "cart-1" needs a path/);
  });

  it('turns lead-off changes into durable technical ALARM readings', () => {
    const cfg = loadGatewayConfig({ ...base, devices: [{ kind: 'ecg-cart', id: 'cart-1', path: '/nonexistent' }] });
    const dev = defaultDeviceFactory(cfg.devices[0]!, { clock: systemClock }) as CartDriver;
    const readings: Reading[] = [];
    dev.on('reading', (r) => readings.push(r));
    dev.emit('leadOff', { bitmap: 0b11, leads: ['I', 'II'] });
    dev.emit('leadOff', { bitmap: 0, leads: [] });
    expect(readings.map((r) => [r.stream, r.trafficClass, r.durable])).toEqual([
      ['lead-off', TrafficClass.TRAFFIC_CLASS_ALARM, true], ['lead-off', TrafficClass.TRAFFIC_CLASS_ALARM, true],
    ]);
    const a0 = 'alarm' in readings[0]!.payload ? readings[0]!.payload.alarm : null;
    const a1 = 'alarm' in readings[1]!.payload ? readings[1]!.payload.alarm : null;
    expect(a0?.code).toBe('TM_ALARM_ECG_LEAD_OFF');
    expect(a0?.text).toBe('lead off: I II');
    expect(a0?.state).toBe(1);
    expect(a1?.state).toBe(2);
  });
});

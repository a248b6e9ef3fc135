// Config entries of kinds hl7-mllp and gps-nmea: validation, and the hl7-mllp device through the
// real DeviceManager (default factory) on a loopback port: frames come out as <deviceId>/<monitor>/vitals.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { TrafficClass, systemClock } from '../../protocols/index.js';
import { testSender, oru } from '../../devices/hl7-mllp/test-support.js';
import { loadGatewayConfig } from '../config.js';
import type { BuildFrameInput } from '../uplink/streams.js';
import { DeviceManager } from './manager.js';

const minimal = { gatewayId: 'amb-1', siteKind: 'ambulance', hub: { credential: 'c' } };

describe('hl7-mllp and gps-nmea config entries', () => {
  it('refuses an hl7-mllp without a port, one off loopback without allowAddresses, a gps-nmea without a path', () => {
    expect(() => loadGatewayConfig({ ...minimal, devices: [{ kind: 'hl7-mllp', id: 'h' }] })).toThrow(/hl7-mllp "h" needs a port/);
    expect(() => loadGatewayConfig({ ...minimal, devices: [{ kind: 'hl7-mllp', id: 'h', port: 2575, listenHost: '0.0.0.0' }] })).toThrow(/TM_ERR_MLLP_UNSAFE_BIND/);
    expect(() => loadGatewayConfig({ ...minimal, devices: [{ kind: 'gps-nmea', id: 'g' }] })).toThrow(/gps-nmea "g" needs a path/);
    expect(() => loadGatewayConfig({ ...minimal, devices: [{ kind: 'gps-nmea', id: 'g', path: '/dev/x', route: [{ lat: 1, lon: 1 }] }] })).toThrow(/route/);
    const ok = loadGatewayConfig({ ...minimal, devices: [
      { kind: 'hl7-mllp', id: 'h', port: 2575, listenHost: '192.168.7.1', allowAddresses: ['192.168.7.20'] },
      { kind: 'gps-nmea', id: 'g', path: '/dev/x', destination: { lat: 29.141, lon: 121.013 } },
    ] });
    expect(ok.devices.map((d) => d.kind)).toEqual(['hl7-mllp', 'gps-nmea']);
  });

  it('an hl7-mllp entry runs through the DeviceManager: an ORU^R01 becomes a durable VITALS frame on <id>/<monitor>/vitals', async () => {
    const cfg = loadGatewayConfig({ ...minimal, devices: [{ kind: 'hl7-mllp', id: 'hl7', port: 0 }, { kind: 'gps-nmea', id: 'gps', path: '/nonexistent/gps', destination: { lat: 29.1, lon: 121 } }] });
    const frames: BuildFrameInput[] = [];
    const m = new DeviceManager(cfg.devices, (f) => frames.push(f), { clock: systemClock, logger: pino({ level: 'silent' }) });
    await m.start(new AbortController().signal);
    try {
      expect(m.list().map((d) => d.kind)).toEqual(['hl7-mllp', 'gps-nmea']);
      const dev = (m as unknown as { devices: { port: number | null }[] }).devices[0]!;
      const s = await testSender(dev.port!);
      s.send(oru('AMB_MON', 'M1', 92));
      await s.waitAcks(1);
      await s.close();
      expect(frames).toHaveLength(1);
      expect(frames[0]).toMatchObject({ streamId: 'hl7/AMB_MON/vitals', trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS, durable: true });
    } finally {
      await m.stop();
    }
  });
});

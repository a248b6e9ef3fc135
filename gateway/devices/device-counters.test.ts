// Per-device counters on the gateway's /metrics: the real cart, GPS and HL7 drivers, fed good and
// bad input (cart and GPS over the faithful fake serial bus, HL7 over a loopback socket), then the
// Prometheus text checked line by line.
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../protocols/index.js';
import { CartDriver, FakeSerialBus } from '../../devices/ecg-cart/index.js';
import { GpsNmeaDevice } from '../../devices/gps/index.js';
import { Hl7MllpDevice } from '../../devices/hl7-mllp/index.js';
import { testSender } from '../../devices/hl7-mllp/test-support.js';
import { CartSimulator } from '../../simulators/ecg-cart/index.js';
import { waitFor } from '../../test/helpers/cli-process.js';
import { GatewayMetrics } from '../metrics.js';
import { LoadDevice } from './load-device.js';
import { DeviceCounters } from './device-counters.js';

const logger = pino({ level: 'silent' });
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** NMEA 0183 sentence with its checksum (XOR of the bytes between $ and *). */
function nmea(body: string): string {
  let x = 0;
  for (const c of body) x ^= c.charCodeAt(0);
  return `$${body}*${x.toString(16).toUpperCase().padStart(2, '0')}\r\n`;
}

describe('device counters on /metrics (cart, GPS, HL7)', () => {
  const ctl = new AbortController();
  const stops: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    ctl.abort();
    for (const s of stops.reverse()) await s();
  });

  it('counts what each driver received, rejected by code and reconnects, labelled by device id and code only', async () => {
    const bus = new FakeSerialBus({ seed: 7 });
    const cartEnd = bus.plug('/dev/ttyFAKE-cart');
    const gpsEnd = bus.plug('/dev/ttyFAKE-gps');
    const cart = new CartDriver({ id: 'cart-1', path: '/dev/ttyFAKE-cart', transport: () => bus.transport(), clock: systemClock, logger, liveLeads: ['II'] });
    const gps = new GpsNmeaDevice({ id: 'gps', path: '/dev/ttyFAKE-gps', baudRate: 4800, transport: () => bus.transport(), clock: systemClock, logger });
    const hl7 = new Hl7MllpDevice({ id: 'hl7', port: 0, host: '127.0.0.1', clock: systemClock, logger });
    // A device kind without counters (the load generator) gets no series.
    const load = new LoadDevice({ id: 'load-1', durableHz: 1, streams: 1, clock: systemClock });
    const counters = new DeviceCounters([cart, gps, hl7, load]);
    const metrics = new GatewayMetrics(() => 0);
    metrics.observeDevices(() => counters.snapshot());

    const sim = new CartSimulator({ wire: { write: (d) => cartEnd.write(d), onData: (l) => cartEnd.onData(l) }, model: { seed: 3 }, baudRate: 921_600 });
    stops.push(() => sim.stop(), () => cart.stop(), () => gps.stop(), () => hl7.stop());
    await Promise.all([cart.start(ctl.signal), gps.start(ctl.signal), hl7.start(ctl.signal)]);
    sim.start();
    await waitFor('the cart streaming', () => (cart.stats.frames >= 20 ? true : undefined), 10_000, 20);
    // COBS [0x02 0x01] decodes to one raw byte: shorter than a header and CRC (SPEC.md §2).
    sim.injectBytes(Uint8Array.of(0x02, 0x01, 0x00));
    await waitFor('the short frame counted', () => (cart.stats.frameErrors['TM_ERR_CART_SHORT'] === 1 ? true : undefined), 5000, 20);

    await gpsEnd.write(enc(nmea('GPRMC,080000.00,A,2909.000,N,12054.000,E,10.0,90.0,061226,,,A')));
    await gpsEnd.write(enc('$GPRMC,080001.00,A,2909.000,N,12054.000,E,10.0,90.0,061226,,,A*00\r\n'));
    await waitFor('both NMEA lines seen', () => (gps.stats.lines + Object.values(gps.stats.errors).reduce((a, b) => a + b, 0) >= 2 ? true : undefined), 5000, 20);

    const port = hl7.port ?? 0;
    const a = await testSender(port);
    a.send('MSH|^~\\&|MON|AMB|||20261206||ORU^R01|C77|P|2.6\robx|bad');
    await a.waitAcks(1);
    await a.close();
    // The monitor comes back on a new connection: one reconnect.
    const b = await testSender(port);
    b.send('MSH|^~\\&|MON|AMB|||20261206||ORU^R01|C78|P|2.6\robx|bad');
    await b.waitAcks(1);
    await b.close();

    const text = await metrics.registry.metrics();
    const value = (series: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      if (line === undefined) throw new Error(`no ${series} in\n${text}`);
      return Number(line.slice(series.length + 1));
    };
    // Counters read at scrape time are the drivers' own totals.
    const snap = counters.snapshot();
    const cartRow = snap.find((r) => r.device === 'cart-1');
    expect(value('telemed_gateway_device_received_total{device="cart-1"}')).toBeGreaterThanOrEqual(20);
    expect(value('telemed_gateway_device_received_total{device="cart-1"}')).toBeLessThanOrEqual(cartRow?.received ?? 0);
    expect(value('telemed_gateway_device_rejected_total{device="cart-1",code="TM_ERR_CART_SHORT"}')).toBe(1);
    expect(value('telemed_gateway_device_reconnects_total{device="cart-1"}')).toBe(0);
    expect(value('telemed_gateway_device_received_total{device="gps"}')).toBe(gps.stats.lines);
    expect(value('telemed_gateway_device_rejected_total{device="gps",code="TM_ERR_NMEA_BAD_CHECKSUM"}')).toBe(1);
    expect(value('telemed_gateway_device_received_total{device="hl7"}')).toBe(2);
    expect(value('telemed_gateway_device_rejected_total{device="hl7",code="TM_ERR_HL7_BAD_SEGMENT_ID"}')).toBe(2);
    expect(value('telemed_gateway_device_reconnects_total{device="hl7"}')).toBe(1);
    // Bounded labels: device and code only, and nothing for the load generator.
    for (const line of text.split('\n').filter((l) => l.startsWith('telemed_gateway_device_'))) {
      expect(line).toMatch(/^telemed_gateway_device_(received|rejected|reconnects)_total\{device="(cart-1|gps|hl7)"(,code="TM_ERR_[A-Z0-9_]+")?\} \d+$/);
    }
    expect(text).not.toContain('load-1');
  });
});

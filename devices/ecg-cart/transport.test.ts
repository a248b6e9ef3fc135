import { join } from 'node:path';
import { makeTempDir, startPtyPair } from '../../test/helpers/socat.js';
import { FakeSerialBus } from './fake-transport.js';
import { SerialPortTransport } from './serialport-transport.js';
import { transportConformance } from './transport-conformance.js';

transportConformance('fake', () => {
  const bus = new FakeSerialBus({ seed: 42, maxFragment: 17 });
  const end = bus.plug('/dev/ttyFAKE0');
  bus.link('/dev/serial/by-id/cart', '/dev/ttyFAKE0');
  return Promise.resolve({
    hostPath: '/dev/serial/by-id/cart',
    missingPath: '/dev/ttyNOPE',
    make: () => bus.transport(),
    peerWrite: (d) => end.write(d),
    onPeerData: (l) => end.onData(l),
    unplug: () => Promise.resolve(end.unplug()),
    dispose: () => Promise.resolve(),
  });
});

transportConformance('serialport over a socat pty pair', async () => {
  const tmp = makeTempDir('tm-cart-pty-');
  const pair = await startPtyPair(join(tmp.dir, 'cart'), join(tmp.dir, 'host'));
  // The device side is a second real transport on the other pty.
  const peer = new SerialPortTransport();
  await peer.open(pair.a, { baudRate: 921_600 });
  const sink: { listener: ((d: Uint8Array) => void) | null } = { listener: null };
  const pump = (async () => {
    for (;;) {
      const d = await peer.read();
      sink.listener?.(d);
    }
  })().catch(() => undefined);
  return {
    hostPath: pair.b,
    missingPath: join(tmp.dir, 'missing'),
    make: () => new SerialPortTransport(),
    peerWrite: (d) => peer.write(d),
    onPeerData: (l) => { sink.listener = l; },
    unplug: () => pair.kill(),
    dispose: async () => {
      await peer.close();
      await pump;
      await pair.kill();
      tmp.remove();
    },
  };
});

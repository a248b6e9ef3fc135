import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SerialTransport } from './transport.js';

/** What one implementation under test provides to the shared suite. */
export interface TransportHarness {
  /** Path the host opens. */
  readonly hostPath: string;
  /** A path with no port behind it. */
  readonly missingPath: string;
  make(): SerialTransport;
  /** The device side of the port. */
  peerWrite(data: Uint8Array): Promise<void>;
  onPeerData(listener: (data: Uint8Array) => void): void;
  /** Removes the port (cable pulled). */
  unplug(): Promise<void>;
  dispose(): Promise<void>;
}

const BAUD = { baudRate: 921_600 };

function pattern(n: number, salt: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + salt) & 0xff);
}

async function readExactly(t: SerialTransport, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const c = await t.read();
    out.set(c.subarray(0, n - got), got);
    got += c.length;
  }
  return out;
}

/** One suite, run against every SerialTransport implementation (STYLE.md: conformance). */
export function transportConformance(name: string, setup: () => Promise<TransportHarness>): void {
  describe(`SerialTransport conformance: ${name}`, () => {
    let h: TransportHarness;
    let t: SerialTransport;
    beforeEach(async () => {
      h = await setup();
      t = h.make();
    });
    afterEach(async () => {
      await t.close();
      await h.dispose();
    });

    it('rejects a missing path with TM_ERR_CART_PORT_OPEN', async () => {
      await expect(t.open(h.missingPath, BAUD)).rejects.toMatchObject({ code: 'TM_ERR_CART_PORT_OPEN' });
      expect(t.openedPath).toBeNull();
    });

    it('carries bytes both ways intact and in order, whatever the fragmentation', async () => {
      await t.open(h.hostPath, BAUD);
      expect(t.openedPath).not.toBeNull();
      const toHost = pattern(20_000, 7);
      const toDevice = pattern(5_000, 3);
      const received: Uint8Array[] = [];
      let receivedBytes = 0;
      const gotAll = new Promise<void>((resolve) => {
        h.onPeerData((d) => {
          received.push(d);
          receivedBytes += d.length;
          if (receivedBytes >= toDevice.length) resolve();
        });
      });
      const [hostGot] = await Promise.all([readExactly(t, toHost.length), h.peerWrite(toHost), t.write(toDevice)]);
      await gotAll;
      expect(Buffer.from(hostGot).equals(Buffer.from(toHost))).toBe(true);
      expect(Buffer.concat(received).equals(Buffer.from(toDevice))).toBe(true);
    });

    it('opens exclusively: a second opener gets TM_ERR_CART_PORT_OPEN', async () => {
      await t.open(h.hostPath, BAUD);
      const second = h.make();
      await expect(second.open(h.hostPath, BAUD)).rejects.toMatchObject({ code: 'TM_ERR_CART_PORT_OPEN' });
      await second.close();
    });

    it('close cancels a pending read with TM_ERR_CART_PORT_CLOSED and the port can be reopened', async () => {
      await t.open(h.hostPath, BAUD);
      const cancelled = expect(t.read()).rejects.toMatchObject({ code: 'TM_ERR_CART_PORT_CLOSED' });
      await t.close();
      await cancelled;
      await expect(t.write(Uint8Array.of(1))).rejects.toMatchObject({ code: 'TM_ERR_CART_PORT_CLOSED' });
      await t.open(h.hostPath, BAUD);
      const got = readExactly(t, 3);
      await h.peerWrite(Uint8Array.of(1, 2, 3));
      expect([...(await got)]).toEqual([1, 2, 3]);
    });

    it('reports an unplug as TM_ERR_CART_PORT_IO on read', async () => {
      await t.open(h.hostPath, BAUD);
      const lost = expect(t.read()).rejects.toMatchObject({ code: 'TM_ERR_CART_PORT_IO' });
      await h.unplug();
      await lost;
    });
  });
}

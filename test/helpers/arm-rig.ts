import { join } from 'node:path';
import { ArmSimulator } from '../../simulators/ultrasound-arm/arm-simulator.js';
import { ImageServer } from '../../simulators/ultrasound-arm/image-server.js';
import { openSerialWire } from '../../simulators/ultrasound-arm/wires.js';
import { makeTempDir, startPtyPair, type PtyPair } from './socat.js';

/*
 * The ultrasound arm on a real serial line, for the arm's pty tests and the teleop e2e: a socat
 * pty pair in a temp dir, the arm simulator on one end (the host side, `hostPath`, is what a
 * driver or the gateway's `arm.url` opens), optionally the simulator's image output on a loopback
 * TCP port (the gateway's `arm.imageUrl`). One place, so every test starts the arm the same way.
 */

/** The workspace box the arm tests configure (around the simulator's couch and phantom). */
export const TEST_ARM_WORKSPACE = { min: { x: -300, y: -200, z: 60 }, max: { x: 300, y: 200, z: 350 } } as const;

export interface SimulatedArm {
  /** The temp dir (also a place for the test's own files); removed by close(). */
  readonly dir: string;
  /** The pty the driver opens (`arm.url`). */
  readonly hostPath: string;
  /** The current pty pair, wire and simulator (new ones after restart()). */
  readonly pair: PtyPair;
  readonly sim: ArmSimulator;
  /** The simulator's image output, when asked for; null otherwise. */
  readonly images: ImageServer | null;
  /** `tcp://127.0.0.1:PORT` of the image output (throws without one). */
  readonly imageUrl: string;
  /** A new cable and a rebooted arm at the same paths (the driver must reconnect). */
  restart(): Promise<void>;
  /** Stops the simulator and its image output, closes the wire, kills socat, removes the dir. */
  close(): Promise<void>;
}

export interface SimulatedArmOptions {
  /** Temp dir prefix, e.g. `tm-arm-gw-`. */
  readonly prefix: string;
  /** Simulator telemetry rate. Default 100 Hz. */
  readonly telemetryHz?: number;
  /** Start the simulator's image output at this frame rate; absent: none. */
  readonly imageFps?: number;
}

export async function startSimulatedArm(o: SimulatedArmOptions): Promise<SimulatedArm> {
  const tmp = makeTempDir(o.prefix);
  const armPath = join(tmp.dir, 'arm');
  const hostPath = join(tmp.dir, 'host');
  const hz = o.telemetryHz ?? 100;
  let pair: PtyPair | null = null;
  let wire: Awaited<ReturnType<typeof openSerialWire>> | null = null;
  let sim: ArmSimulator | null = null;
  let images: ImageServer | null = null;
  const plug = async (): Promise<void> => {
    pair = await startPtyPair(armPath, hostPath);
    wire = await openSerialWire(pair.a);
    sim = new ArmSimulator({ wire, telemetryHz: hz });
    sim.start();
  };
  const close = async (): Promise<void> => {
    sim?.stop();
    await images?.close();
    await wire?.close();
    await pair?.kill();
    tmp.remove();
  };
  try {
    await plug();
    if (o.imageFps !== undefined) images = await ImageServer.listen(sim!, 0, { fps: o.imageFps });
  } catch (err) {
    await close();
    throw err;
  }
  return {
    dir: tmp.dir, hostPath,
    get pair() { return pair!; },
    get sim() { return sim!; },
    get images() { return images; },
    get imageUrl() {
      if (images === null) throw new Error('startSimulatedArm: no image output (pass imageFps)');
      return `tcp://127.0.0.1:${images.port}`;
    },
    restart: async () => {
      sim?.stop();
      await wire?.close();
      await plug();
    },
    close,
  };
}

/** Polls `cond` every `pollMs` until true; throws naming `what` after `timeoutMs`. */
export async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string | (() => string), pollMs = 5): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

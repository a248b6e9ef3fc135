import { ArmSimulator, ImageServer } from '../../simulators/ultrasound-arm/index.js';
import { listenTcpWire } from '../../simulators/ultrasound-arm/wires.js';
import { wallMs } from '../uplink/clock.js';
import type { ArmReport } from './ipc.js';

/** The clinic's arm in its own process: the simulator as a TCP arm controller and its image output. */
export interface ArmSide {
  readonly armPort: number;
  readonly imagePort: number;
  report(): ArmReport;
  close(): Promise<void>;
}

/** Image output frames per second (the ultrasound machine's rate; the e2e test's and the demo's). */
export const IMAGE_FPS = 15;

export async function startArmSide(): Promise<ArmSide> {
  const wire = await listenTcpWire('127.0.0.1', 0);
  const sim = new ArmSimulator({ wire, telemetryHz: 100 });
  sim.start();
  // The probe rests on the phantom (6 mm into the skin, ~3.6 N, under the 10 N exam cap) so the
  // B-mode images show tissue, as a nurse places it before the specialist drives.
  sim.kin.position = { x: 0, y: 0, z: sim.phantom.surfaceZ(0, 0) - 6 };
  // Capture stamps on the bench's shared wall clock (sub-ms; the same machine clock every side reads).
  const captures: number[] = [];
  const images = await ImageServer.listen(sim, 0, { fps: IMAGE_FPS, nowMs: () => { const t = wallMs(); captures.push(t); return t; } });
  return {
    armPort: wire.port,
    imagePort: images.port,
    report: () => ({ captures, sim: { ...sim.stats, images: { ...images.stats } } }),
    close: async () => { sim.stop(); await images.close(); await wire.close(); },
  };
}

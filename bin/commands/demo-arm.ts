// The demo clinic's robotic ultrasound arm (issue 11 item 7): the arm simulator on one end of a
// socat pty pair, the gateway's real `ultrasound-arm` device (driver behind the safety supervisor)
// on the other, and the simulator's B-mode image output on a loopback port the device reads. The
// probe rests on the phantom, as a nurse would place it, so a specialist who takes the lease in
// the console (#/teleop) sees tissue at once and can scan.
import { join } from 'node:path';
import { ArmSimulator, ImageServer, openSerialWire } from '../../simulators/ultrasound-arm/index.js';
import { startPty } from './demo-pty.js';

/** How deep the resting probe is pressed into the phantom's skin, mm (~2.4 N: under any exam cap). */
const RESTING_DEPTH_MM = 4;

export interface ArmEquipment {
  /** The gateway device entry (gateway/config.ts, kind ultrasound-arm). */
  device: Record<string, unknown>;
  lines: string[];
  close(): Promise<void>;
}

/** Starts the simulator at once: the device entry needs the image output's port. */
export async function armEquipment(dir: string): Promise<ArmEquipment> {
  const armEnd = join(dir, 'arm-sim');
  const hostEnd = join(dir, 'usb-telemed-ARM-DEMO01');
  const pty = await startPty(armEnd, hostEnd);
  let wire: Awaited<ReturnType<typeof openSerialWire>> | null = null;
  let sim: ArmSimulator | null = null;
  let images: ImageServer | null = null;
  const close = async (): Promise<void> => {
    sim?.stop();
    await images?.close().catch(() => undefined);
    await wire?.close().catch(() => undefined);
    await pty.stop();
  };
  try {
    wire = await openSerialWire(armEnd);
    sim = new ArmSimulator({ wire, telemetryHz: 100 });
    sim.kin.position = { x: 0, y: 0, z: sim.phantom.surfaceZ(0, 0) - RESTING_DEPTH_MM };
    sim.start();
    images = await ImageServer.listen(sim, 0, { fps: 15 });
  } catch (err) {
    await close();
    throw err;
  }
  return {
    device: { kind: 'ultrasound-arm', id: 'arm-1', arm: { url: hostEnd, imageUrl: `tcp://127.0.0.1:${images.port}` } },
    lines: [
      `  ultrasound arm     arm simulator -> ${hostEnd} -> the gateway's arm driver behind its safety supervisor;`,
      `                     B-mode images from 127.0.0.1:${images.port}; drive it from #/teleop (sign in as specialist), e-stop on the clinic page`,
    ],
    close,
  };
}

import { parseArgs } from 'node:util';
import { ArmSimulator } from './arm-simulator.js';
import { ImageServer } from './image-server.js';
import { listenTcpWire, openSerialWire } from './wires.js';

const HELP = `usage: telemed sim ultrasound-arm (--port PATH | --listen 127.0.0.1:PORT) [--hz 100] [--baud 921600] [--images 127.0.0.1:PORT [--fps 15]] [--fault SPEC]...

Simulates the robotic ultrasound arm (protocols/ultrasound-arm/SPEC.md) with a phantom body on the couch,
on a serial line (e.g. one end of: socat -d -d pty,raw,echo=0,link=/tmp/arm pty,raw,echo=0,link=/tmp/host)
or as a TCP arm controller (the driver opens tcp://127.0.0.1:PORT).
--images also serves B-mode images of the probe's current pose and force on TCP (the ultrasound
machine's output; the gateway's arm.imageUrl tcp://127.0.0.1:PORT reads them), --fps per second.

--fault injects a fault at a time after start (seconds), repeatable:
  stall@S[:MS]        joints stop following for MS ms (default 1000): the arm faults "stall"
  spike@S[:MS[:N]]    N newtons (default 60) added to the contact force for MS ms (default 300)
  link@S[:MS]         the serial link is cut both ways for MS ms (default 1000)
  estop@S[:MS]        the arm's e-stop button is pressed for MS ms (default 2000)`;

interface FaultSpec { readonly kind: 'stall' | 'spike' | 'link' | 'estop'; readonly atS: number; readonly ms: number; readonly n: number }

export function parseFault(spec: string): FaultSpec {
  const m = /^(stall|spike|link|estop)@(\d+(?:\.\d+)?)(?::(\d+))?(?::(\d+(?:\.\d+)?))?$/.exec(spec);
  if (!m) throw new Error(`bad --fault "${spec}"\n${HELP}`);
  const kind = m[1] as FaultSpec['kind'];
  const defMs = { stall: 1000, spike: 300, link: 1000, estop: 2000 }[kind];
  return { kind, atS: Number(m[2]), ms: m[3] !== undefined ? Number(m[3]) : defMs, n: m[4] !== undefined ? Number(m[4]) : 60 };
}

export function scheduleFault(sim: ArmSimulator, f: FaultSpec): NodeJS.Timeout {
  return setTimeout(() => {
    switch (f.kind) {
      case 'stall': sim.setStall(true); setTimeout(() => sim.setStall(false), f.ms); return;
      case 'spike': sim.forceSpike(f.n, f.ms); return;
      case 'link': sim.loseLink(f.ms); return;
      case 'estop': sim.setEstopInput(true); setTimeout(() => sim.setEstopInput(false), f.ms); return;
    }
  }, f.atS * 1000);
}

export async function ultrasoundArmCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' }, listen: { type: 'string' }, hz: { type: 'string', default: '100' }, baud: { type: 'string', default: '921600' },
      images: { type: 'string' }, fps: { type: 'string', default: '15' },
      fault: { type: 'string', multiple: true, default: [] }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || (values.port === undefined) === (values.listen === undefined)) {
    process.stdout.write(HELP + '\n');
    if (!values.help) process.exitCode = 2;
    return;
  }
  const hz = Number(values.hz);
  if (!(hz >= 100 && hz <= 250)) throw new Error('--hz must be within 100–250');
  const faults = values.fault.map(parseFault);
  let wire;
  let where: string;
  if (values.port !== undefined) {
    wire = await openSerialWire(values.port, Number(values.baud));
    where = values.port;
  } else {
    const m = /^(127\.0\.0\.1|localhost|\[::1\]):(\d+)$/.exec(values.listen ?? '');
    if (!m) throw new Error('--listen must be 127.0.0.1:PORT (the simulator listens on loopback only)');
    wire = await listenTcpWire('127.0.0.1', Number(m[2]));
    where = `tcp://127.0.0.1:${wire.port}`;
  }
  const sim = new ArmSimulator({ wire, telemetryHz: hz });
  sim.start();
  let images: ImageServer | null = null;
  if (values.images !== undefined) {
    const im = /^(127\.0\.0\.1|localhost):(\d+)$/.exec(values.images);
    if (!im) throw new Error('--images must be 127.0.0.1:PORT (loopback only)');
    images = await ImageServer.listen(sim, Number(im[2]), { fps: Number(values.fps) });
    process.stdout.write(`ultrasound images on tcp://127.0.0.1:${images.port} at ${values.fps} fps\n`);
  }
  const timers = faults.map((f) => scheduleFault(sim, f));
  process.stdout.write(`ultrasound-arm simulator on ${where}: ${hz} Hz telemetry${faults.length ? `, faults: ${values.fault.join(' ')}` : ''}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  timers.forEach(clearTimeout);
  sim.stop();
  await images?.close();
  await wire.close();
}

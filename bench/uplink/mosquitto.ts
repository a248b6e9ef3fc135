import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { sleep } from './clock.js';
import { DOWN, UP_DURABLE, UP_REALTIME } from './mqtt-sides.js';
import { normalPriority } from './priority.js';

/** A mosquitto process the bench started; `stop()` ends exactly that pid. */
export interface Broker {
  readonly port: number;
  stop(): Promise<void>;
}

/** A free loopback port (bound then released; mosquitto binds it right after). */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function waitListening(port: number, proc: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) throw new Error(`mosquitto exited with ${proc.exitCode} before listening on ${port}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`mosquitto not listening on 127.0.0.1:${port} after 5 s`);
}

/**
 * How the edge broker bridges to the hospital:
 * - `naive`: one bridge connection for everything (durable at QoS 1, realtime at QoS 0), Debian's
 *   defaults otherwise. On 2.0.11 the bridge's QoS 1 in-flight window grows without bound
 *   (upstream #2306, fixed in 2.0.13), so a durable backlog queues in front of realtime on the
 *   one TCP connection: kept as "naive MQTT", what a first attempt gives.
 * - `fair`: what a competent engineer deploys on this broker: realtime (QoS 0 up, arm commands
 *   in) on a connection of its own, ALARM and VITALS (QoS 1) on a second, BULK (QoS 1) on a
 *   third, so no class waits behind another's bytes in a TCP send buffer; `max_inflight_messages 1`
 *   keeps each QoS 1 window at one message (the #2306 work-around, and in-order delivery), so a
 *   bridge's unacknowledged bytes are one message, not the backlog. Mosquitto has no per-bridge
 *   bound on QoS 0 messages to a connected peer: the realtime connection's queue is its socket
 *   buffers and the cell's queue (stated in bench/uplink/README.md).
 */
export type BridgeVariant = 'naive' | 'fair';

function bridgeLines(variant: BridgeVariant, name: string, bridgeToPort: number): string[] {
  const common = (conn: string, clean: boolean): string[] => [
    `connection ${conn}`,
    `address 127.0.0.1:${bridgeToPort}`,
    'bridge_protocol_version mqttv311',
    `cleansession ${clean ? 'true' : 'false'}`,
    `remote_clientid bench-bridge-${name}-${conn}`,
    'try_private false',
    'notifications false',
    'restart_timeout 1',
    'keepalive_interval 30',
  ];
  if (variant === 'naive') {
    return [...common('hospital', false), `topic ${UP_DURABLE}/# out 1`, `topic ${UP_REALTIME}/# out 0`, `topic ${DOWN}/# in 0`];
  }
  return [
    // max_inflight_messages is global in mosquitto.conf and applies to each bridge connection.
    'max_inflight_messages 1',
    ...common('realtime', true), `topic ${UP_REALTIME}/# out 0`, `topic ${DOWN}/# in 0`,
    ...common('alarms', false), `topic ${UP_DURABLE}/alarm out 1`, `topic ${UP_DURABLE}/vitals out 1`,
    ...common('bulk', false), `topic ${UP_DURABLE}/bulk out 1`,
  ];
}

/**
 * Starts `mosquitto -c` with a config in `dir`. With `bridgeToPort`, the broker is the edge one
 * and bridges to 127.0.0.1:bridgeToPort (the link emulator in front of the hospital broker) as
 * `variant` says.
 */
export async function startMosquitto(dir: string, name: string, bridgeToPort?: number, variant: BridgeVariant = 'naive'): Promise<Broker> {
  const port = await freePort();
  const lines = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence false',
    'set_tcp_nodelay true',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    // Defaults of 1000 queued messages would drop the backlog inside the broker; unlimited here,
    // so the baseline loses only what Mosquitto itself would lose with a roomy config.
    'max_queued_messages 0',
  ];
  if (bridgeToPort !== undefined) lines.push(...bridgeLines(variant, name, bridgeToPort));
  const conf = join(dir, `${name}.conf`);
  writeFileSync(conf, lines.join('\n') + '\n');
  const proc = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  // A broker is under test: normal priority, not the emulator's (bench/uplink/priority.ts).
  normalPriority(proc.pid);
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  try {
    await waitListening(port, proc);
  } catch (err) {
    proc.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${stderr}`, { cause: err });
  }
  return {
    port,
    stop: async () => {
      if (proc.exitCode !== null) return;
      const exited = once(proc, 'exit');
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
  };
}

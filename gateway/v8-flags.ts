/**
 * V8 heap flags of a gateway process, each with the family of flags that, set by the user
 * (command line or NODE_OPTIONS), replaces it.
 *
 * - `--semi-space-growth-factor=1`: the semi-spaces stay at V8's initial 1 MiB instead of
 *   doubling up to 16 MiB. The gateway allocates little on the JS heap per frame but ~16 KiB
 *   Buffers per record chunk; with a 32 MiB new space a scavenge comes only every ~minute, and the
 *   dead Buffers waiting for it (up to ~30 MB) plus the new space itself were ~55 MB of its peak
 *   RSS during a 10-minute outage at 5 Mbit/s (bench/uplink/outage-rss.ts). Scavenges of a 1 MiB
 *   space are short and the frame build+encode path showed no measurable change in CPU seconds
 *   per frame (bench/uplink/README.md).
 * - `--heap-growing-percent=100`: after a full GC the old generation may grow to twice what
 *   survived before the next one. With the small young generation, frames that wait in the
 *   scheduler for a few hundred ms (the backlog read-ahead, video parts) are promoted and die in
 *   old space; V8's own factor let it grow only ~15 % (30 → 35 MB), so a full GC came every
 *   ~0.4 s, 3-15 ms each, and arm commands arriving during one waited for it (bench:teleop: 34
 *   full GCs in 30 s, command p99 24-28 ms; with the flag 4 full GCs, p99 19-22 ms). Costs up to
 *   ~30 MB more heap at the gateway's ~30 MB live size.
 *
 * `telemed gateway` sets them at run time (read whenever V8 sizes the spaces) before the command
 * is loaded; bench:uplink and bench:teleop start their gateway process with them.
 */
const FLAGS: readonly { flag: string; family: string }[] = [
  { flag: '--semi-space-growth-factor=1', family: 'semi-space' },
  { flag: '--heap-growing-percent=100', family: 'heap-growing' },
];

export const GATEWAY_V8_FLAGS: readonly string[] = FLAGS.map((f) => f.flag);

/** GATEWAY_V8_FLAGS but those whose family the user set a flag of (execArgv, NODE_OPTIONS): theirs wins. */
export function gatewayV8Flags(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const theirs = [...execArgv, nodeOptions ?? ''].join(' ').replaceAll('_', '-');
  return FLAGS.filter((f) => !theirs.includes(f.family)).map((f) => f.flag);
}

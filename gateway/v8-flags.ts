/**
 * V8 young generation of a gateway process: the semi-spaces stay at V8's initial 1 MiB instead of
 * doubling up to 16 MiB. The gateway allocates little on the JS heap per frame but ~16 KiB
 * Buffers per record chunk; with a 32 MiB new space a scavenge comes only every ~minute, and the
 * dead Buffers waiting for it (up to ~30 MB) plus the new space itself were ~55 MB of its peak RSS
 * during a 10-minute outage at 5 Mbit/s (bench/uplink/outage-rss.ts). Scavenges of a 1 MiB space
 * are short and the frame build+encode path showed no measurable change in CPU seconds per frame
 * (bench/uplink/README.md). `telemed gateway` sets them at run time (the flag is read whenever
 * the new space would grow) before the command is loaded, and bench:uplink starts its gateway
 * process with them; a semi-space flag of the user's own (command line or NODE_OPTIONS) wins.
 */
export const GATEWAY_V8_FLAGS: readonly string[] = ['--semi-space-growth-factor=1'];

/** True when the user set a semi-space flag of their own (then GATEWAY_V8_FLAGS stay unset). */
export function userSetsSemiSpace(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return [...execArgv, nodeOptions ?? ''].some((a) => a.includes('semi-space'));
}

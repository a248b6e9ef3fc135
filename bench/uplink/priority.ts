import { getPriority, setPriority } from 'node:os';

/**
 * Scheduling priority of the link emulator (nice value). The emulator stands in for the cell and
 * the network, which do not share CPUs with the gateway or the hub; on this 2-core box, when an
 * endpoint's GC or a burst of work took both cores, the emulator's event loop ran 6–15 ms late,
 * read those milliseconds of paced bytes off its socket at once and queued them as one burst
 * (bench:uplink saturated-cell: 12 ms of "queue" out of nowhere, in front of CONTROL). Raising its
 * priority keeps the emulated network on time; everything under test (gateway, hub, brokers)
 * runs at the normal priority in all three runs.
 */
export const LINK_NICE = -10;

/** Raises this (the emulator's) process; false, with the reason, when not permitted (not root). */
export function prioritiseLink(): { ok: true } | { ok: false; reason: string } {
  try {
    setPriority(LINK_NICE);
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

/** Puts a process started from here (it inherits our nice value) back at the normal priority. */
export function normalPriority(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    if (getPriority(pid) !== 0) setPriority(pid, 0);
  } catch {
    // Gone already, or not ours: nothing to put back.
  }
}

import { describe, expect, it } from 'vitest';
import type { RawRun } from '../uplink/run.js';
import { scenarioSvg } from './svg.js';

// The fields scenarioSvg reads; the rest of a run's record is not needed to draw it.
const run = (controlUnreachable?: [number, number][]): RawRun => ({
  t0: 1_000, t1: 11_000, linkTrace: [], edge: { sent: [] }, hub: { recv: [] },
  ...(controlUnreachable !== undefined ? { controlUnreachable } : {}),
}) as unknown as RawRun;

describe('bench:matrix scenario SVG', () => {
  it('shades the spans where no sender could have had CONTROL on time, clipped to the window', () => {
    const svg = scenarioSvg('t', run([[500, 1_500], [6_000, 6_001], [12_000, 13_000]]));
    const band = /<path d="([^"]+)" fill="#fbe3e3"[^>]*data-role="control-unreachable"/.exec(svg);
    expect(band).not.toBeNull();
    // Plot from x = 56 to 840 (784 px for 10 s): 1000..1500 ms -> 56..95.2; 6000 ms -> 448.
    const starts = [...(band?.[1] ?? '').matchAll(/M([\d.]+),/g)].map((m) => Number(m[1]));
    expect(starts).toEqual([56, 448]);
    expect(svg).toContain('no sender could deliver CONTROL on time');
  });

  it('draws no band when the run has none or did not record them', () => {
    expect(scenarioSvg('t', run([]))).not.toContain('control-unreachable');
    expect(scenarioSvg('t', run())).not.toContain('control-unreachable');
  });
});

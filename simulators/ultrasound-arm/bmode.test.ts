import { describe, expect, it } from 'vitest';
import { renderBmode, type BmodeInput } from './bmode.js';
import { Phantom } from './phantom.js';

const phantom = new Phantom();
const QI = { w: 1, x: 0, y: 0, z: 0 };
/** The probe pressed 6 mm into the skin at (x, y): about 3.6 N on the default phantom. */
function pressed(x: number, y: number, over: Partial<BmodeInput> = {}): BmodeInput {
  return { position: { x, y, z: phantom.surfaceZ(x, y) - 6 }, orientation: QI, forceN: 3.6, seed: 7, timeMs: 1000, ...over };
}
const mean = (a: Uint8Array): number => a.reduce((s, v) => s + v, 0) / a.length;
/** Share of pixels that differ by more than `tol` grey levels. */
function changed(a: Uint8Array, b: Uint8Array, tol = 8): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs((a[i] ?? 0) - (b[i] ?? 0)) > tol) n++;
  return n / a.length;
}
/** Mean of a rectangle (columns c0..c1, rows r0..r1) of a 256-wide image. */
function region(img: Uint8Array, c0: number, c1: number, r0: number, r1: number): number {
  let s = 0;
  let n = 0;
  for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) { s += img[r * 256 + c] ?? 0; n++; }
  return s / n;
}

describe('renderBmode', () => {
  it('is deterministic: the same pose, force, seed and time give the same bytes', () => {
    const a = renderBmode(pressed(0, 10));
    const b = renderBmode(pressed(0, 10));
    expect(a.width).toBe(256);
    expect(a.height).toBe(256);
    expect(a.data.length).toBe(256 * 256);
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    // Another seed is another speckle pattern.
    expect(changed(a.data, renderBmode(pressed(0, 10, { seed: 8 })).data)).toBeGreaterThan(0.3);
  });

  it('is dark without contact: in the air above the skin, or touching without force', () => {
    const air = renderBmode({ ...pressed(0, 10), position: { x: 0, y: 10, z: 300 }, forceN: 0 });
    expect(air.coupledColumns).toBe(0);
    expect(air.data.every((v) => v === 0)).toBe(true);
    const noForce = renderBmode(pressed(0, 10, { forceN: 0.1 }));
    expect(noForce.data.every((v) => v === 0)).toBe(true);
    // Lifted 5 mm off the skin with a (stale) force reading: no element touches, still dark.
    const lifted = renderBmode(pressed(0, 10, { position: { x: 0, y: 10, z: phantom.surfaceZ(0, 10) + 5 } }));
    expect(lifted.coupledColumns).toBe(0);
    expect(mean(lifted.data)).toBe(0);
    // Pressed: an image.
    expect(mean(renderBmode(pressed(0, 10)).data)).toBeGreaterThan(60);
  });

  it('changes when the probe moves, and the anatomy moves with it (tissue-fixed)', () => {
    const a = renderBmode(pressed(0, 10));
    const moved = renderBmode(pressed(10, 10));
    expect(changed(a.data, moved.data)).toBeGreaterThan(0.3);
    // The vessel (x = 20 mm, z = 112 mm, lumen 8 mm) is a dark disc; 90 mm over 256 px = 0.353 mm/px.
    // Its centre column moves left by 10 mm / 0.353 = 28 px when the probe moves +10 mm in x.
    const col = (img: Uint8Array): number => darkestColumn(img, 100);
    expect(Math.abs(col(a.data) - col(moved.data) - 28)).toBeLessThanOrEqual(3);
    // Rotating the probe about its beam axis changes the plane (the vessel along y is then cut obliquely).
    const s = Math.sin(Math.PI / 8);
    const turned = renderBmode(pressed(0, 10, { orientation: { w: Math.cos(Math.PI / 8), x: 0, y: 0, z: s } }));
    expect(changed(a.data, turned.data)).toBeGreaterThan(0.3);
  });

  it('attenuates with depth and shows organ contrast: anechoic vessel lumen, bright kidney sinus', () => {
    const a = renderBmode(pressed(0, 10));
    // Depth attenuation: background rows near the face are brighter than rows deep in the body.
    expect(region(a.data, 0, 60, 10, 40)).toBeGreaterThan(region(a.data, 0, 60, 190, 220) + 15);
    // The vessel lumen: the dark disc found above is near black next to its surroundings.
    const c = darkestColumn(a.data, 100);
    const depthRow = Math.round((phantom.surfaceZ(0, 10) - 6 - 112) / (90 / 255));
    expect(region(a.data, c - 3, c + 3, depthRow - 3, depthRow + 3)).toBeLessThan(30);
    const kidney = renderBmode(pressed(70, 55));
    const sinusRow = Math.round((phantom.surfaceZ(70, 55) - 6 - 104) / (90 / 255));
    expect(region(kidney.data, 118, 138, sinusRow - 4, sinusRow + 4)).toBeGreaterThan(region(kidney.data, 118, 138, sinusRow + 30, sinusRow + 40) + 20);
  });

  it('more force couples better (brighter) and breathing moves the organs over time', () => {
    const light = renderBmode(pressed(0, 10, { forceN: 0.8 }));
    const firm = renderBmode(pressed(0, 10, { forceN: 4 }));
    expect(mean(firm.data)).toBeGreaterThan(mean(light.data) + 10);
    const t0 = renderBmode(pressed(0, 10, { timeMs: 0 }));
    const t1 = renderBmode(pressed(0, 10, { timeMs: 1000 }));
    expect(changed(t0.data, t1.data)).toBeGreaterThan(0.2);
  });

  it('renders a frame in a few ms of CPU (target < 5 ms; bound 25 ms under a loaded CI machine)', () => {
    for (let k = 0; k < 5; k++) renderBmode(pressed(0, 10, { timeMs: k }));
    const c = process.cpuUsage();
    for (let k = 0; k < 20; k++) renderBmode(pressed(k, 10, { timeMs: k * 33 }));
    const perFrameMs = process.cpuUsage(c).user / 1000 / 20;
    expect(perFrameMs).toBeLessThan(25);
  });
});

/** Column whose pixels in rows r0..r0+60 are darkest on average (the vessel lumen). */
function darkestColumn(img: Uint8Array, r0: number): number {
  let best = 0;
  let bestV = Infinity;
  for (let c = 4; c < 252; c++) {
    let s = 0;
    for (let r = r0; r < r0 + 60; r++) s += img[r * 256 + c] ?? 0;
    if (s < bestV) { bestV = s; best = c; }
  }
  return best;
}

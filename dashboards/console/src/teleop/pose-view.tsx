import { useEffect, useRef } from 'preact/hooks';
import type { Pose } from './teleop-state.js';

/** Drawn extent of the top view, mm (the couch area around the gateway's workspace box). */
const X_RANGE = 400;
const Y_RANGE = 300;
/** Depth bar range, mm (probe height above the couch). */
const Z_MIN = 0;
const Z_MAX = 400;

/** Yaw about the vertical, degrees, from a unit quaternion. */
export function yawDeg(p: Pose): number {
  const siny = 2 * (p.qw * p.qz + p.qx * p.qy);
  const cosy = 1 - 2 * (p.qy * p.qy + p.qz * p.qz);
  return (Math.atan2(siny, cosy) * 180) / Math.PI;
}

/**
 * The probe seen from above (x along the couch to the right, y across it upwards) with its recent
 * trail and heading, and a depth bar for z. Canvas, redrawn on each pose.
 */
export function PoseView(props: { pose: Pose | null; trail: readonly { x: number; y: number }[] }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    const g = c?.getContext('2d');
    if (!c || !g) return;
    const W = c.width;
    const H = c.height;
    const barW = 40;
    const mapW = W - barW - 16;
    const sx = (x: number): number => ((x + X_RANGE) / (2 * X_RANGE)) * mapW;
    const sy = (y: number): number => H - ((y + Y_RANGE) / (2 * Y_RANGE)) * H;
    g.clearRect(0, 0, W, H);
    // Couch outline and centre lines.
    g.fillStyle = '#f4f6f9';
    g.fillRect(0, 0, mapW, H);
    g.strokeStyle = '#c5ccd6';
    g.lineWidth = 1;
    g.strokeRect(sx(-300), sy(200), sx(300) - sx(-300), sy(-200) - sy(200));
    g.beginPath();
    g.moveTo(sx(0), 0);
    g.lineTo(sx(0), H);
    g.moveTo(0, sy(0));
    g.lineTo(mapW, sy(0));
    g.stroke();
    // Trail.
    if (props.trail.length > 1) {
      g.strokeStyle = '#7aa7d9';
      g.lineWidth = 2;
      g.beginPath();
      props.trail.forEach((p, i) => (i === 0 ? g.moveTo(sx(p.x), sy(p.y)) : g.lineTo(sx(p.x), sy(p.y))));
      g.stroke();
    }
    // Depth bar frame.
    const bx = W - barW;
    g.strokeStyle = '#8a94a3';
    g.strokeRect(bx, 0, barW - 1, H);
    const p = props.pose;
    if (p === null) return;
    // Probe: a dot with its heading.
    const px = sx(p.x);
    const py = sy(p.y);
    const yaw = (yawDeg(p) * Math.PI) / 180;
    g.fillStyle = '#0f2a47';
    g.beginPath();
    g.arc(px, py, 7, 0, 2 * Math.PI);
    g.fill();
    g.strokeStyle = '#f0b400';
    g.lineWidth = 3;
    g.beginPath();
    g.moveTo(px, py);
    g.lineTo(px + 18 * Math.cos(yaw), py - 18 * Math.sin(yaw));
    g.stroke();
    // Depth: filled from the bottom up to the probe height.
    const frac = Math.min(1, Math.max(0, (p.z - Z_MIN) / (Z_MAX - Z_MIN)));
    g.fillStyle = '#3b6ea5';
    g.fillRect(bx + 1, H - frac * H, barW - 3, frac * H);
  }, [props.pose, props.trail]);
  return <canvas ref={ref} width={520} height={300} class="pose-canvas" data-testid="pose-canvas" aria-label="Probe position seen from above, with a depth bar" />;
}

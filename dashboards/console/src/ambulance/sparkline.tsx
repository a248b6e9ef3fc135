/** A 15-minute trend as an SVG polyline, scaled to its own range (the value tile shows the number). */
export function Sparkline(props: { points: readonly [number, number][]; windowMs: number; nowMs: number; testId: string }) {
  const W = 120;
  const H = 32;
  const pts = props.points.filter((p) => p[0] >= props.nowMs - props.windowMs);
  if (pts.length < 2) return <svg class="sparkline" width={W} height={H} data-testid={props.testId} data-points={pts.length} aria-hidden="true" />;
  const values = pts.map((p) => p[1]);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo;
  const x = (t: number): number => ((t - (props.nowMs - props.windowMs)) / props.windowMs) * W;
  // A steady value is a line through the middle, not along the floor.
  const y = (v: number): number => (span === 0 ? H / 2 : H - 2 - ((v - lo) / span) * (H - 4));
  const d = pts.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ');
  return (
    <svg class="sparkline" width={W} height={H} viewBox={`0 0 ${W} ${H}`} data-testid={props.testId} data-points={pts.length} aria-hidden="true">
      <polyline points={d} fill="none" stroke="currentColor" stroke-width="1.5" />
    </svg>
  );
}

/** Milliseconds for a figure cell: "12.3", "4", or an em dash when unknown. */
export function formatMs(v: number | null | undefined): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  if (Math.abs(v) >= 100) return Math.round(v).toString();
  return v.toFixed(1);
}

/** Signed milliseconds ("+3.2", "−0.4") so an offset's direction reads at a glance. */
export function formatSignedMs(v: number | null | undefined): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  const s = formatMs(Math.abs(v));
  return v < 0 ? `−${s}` : `+${s}`;
}

/** Counters: "1 234", or an em dash when unknown. */
export function formatCount(v: number | null | undefined): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  return Math.round(v).toLocaleString('en-US').replaceAll(',', '\u2009');
}

/** Clock time of an ISO string ("14:03:22"), or an em dash. */
export function formatClock(iso: string | null | undefined): string {
  if (typeof iso !== 'string' || iso === '') return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return d.toLocaleTimeString('en-GB', { hour12: false });
}

/** A vital's value: integers stay integers, others get one decimal. */
export function formatValue(v: number): string {
  return Number.isInteger(v) ? v.toString() : v.toFixed(1);
}

/** Date and clock time of an ISO string ("2026-11-22 14:03:22", local), or an em dash. */
export function formatDateTime(iso: string | null | undefined): string {
  if (typeof iso !== 'string' || iso === '') return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

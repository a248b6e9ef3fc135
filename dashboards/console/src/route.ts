/** Console views, addressed by the URL hash so Back, reload and bookmarks work without a server router. */
export type Route = { view: 'gateways' } | { view: 'worklist' } | { view: 'record'; id: string } | { view: 'ambulances'; id: string | null } | { view: 'teleop' };

export function parseRoute(hash: string): Route {
  const h = hash.replace(/^#\/?/, '');
  if (h === 'ecg') return { view: 'worklist' };
  if (h === 'ambulances') return { view: 'ambulances', id: null };
  if (h === 'teleop') return { view: 'teleop' };
  const amb = /^ambulances\/(.+)$/.exec(h);
  if (amb?.[1] !== undefined) {
    try {
      return { view: 'ambulances', id: decodeURIComponent(amb[1]) };
    } catch {
      return { view: 'ambulances', id: null };
    }
  }
  const m = /^ecg\/(.+)$/.exec(h);
  if (m?.[1] !== undefined) {
    try {
      return { view: 'record', id: decodeURIComponent(m[1]) };
    } catch {
      return { view: 'worklist' };
    }
  }
  return { view: 'gateways' };
}

import { useEffect, useState } from 'preact/hooks';
import { parseRoute, type Route } from './route.js';

/** The current hash route, updated on `hashchange` (links, Back/Forward). */
export function useHashRoute(): Route {
  const [route, setRoute] = useState<Route>(() => parseRoute(location.hash));
  useEffect(() => {
    const on = (): void => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'fleet' }
  | { page: 'device'; endpoint: string }
  | { page: 'endpoints' }
  | { page: 'users' }
  | { page: 'anomalies' }
  | { page: 'trust' }
  | { page: 'provenance' }
  | { page: 'status' };

/** `#/device/dev-001` → `{ page: 'device', endpoint: 'dev-001' }`; anything unknown is the fleet. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  switch (parts[0]) {
    case 'device':
      return parts[1] ? { page: 'device', endpoint: parts[1] } : { page: 'fleet' };
    case 'endpoints':
    case 'users':
    case 'anomalies':
    case 'trust':
    case 'provenance':
    case 'status':
      return { page: parts[0] };
    default:
      return { page: 'fleet' };
  }
}

export function href(route: Route): string {
  return route.page === 'device' ? `#/device/${encodeURIComponent(route.endpoint)}` : `#/${route.page}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = (): void => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

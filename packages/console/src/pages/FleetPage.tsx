import { useEffect, useMemo, useState } from 'preact/hooks';
import type { AnomalyView, Page } from '../api/types.js';
import { href } from '../components/router.js';
import type { App } from '../state/appState.js';
import { deviceState, type DeviceState } from '../state/fleet.js';
import { useStore } from '../state/Store.js';
import { ActivityStrip } from '../components/ActivityStrip.js';

const PAGE = 100;

function trustText(score: number | null | undefined): string {
  return score === null || score === undefined ? '—' : score.toFixed(2);
}

function ago(ms: number, now: number): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

/** Every registered device, with counts, search, filters and the activity strip; follows the events. */
export function FleetPage({ app }: { app: App }) {
  const fleet = useStore(app.store, (s) => s.fleet);
  const [query, setQuery] = useState('');
  const [stateFilter, setStateFilter] = useState<DeviceState | ''>('');
  const [page, setPage] = useState(0);
  const [anomalies, setAnomalies] = useState<ReadonlyMap<string, number>>(new Map());
  const [trust, setTrust] = useState<ReadonlyMap<string, number | null>>(new Map());
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 5000);
    return () => clearInterval(t);
  }, []);
  useEffect(() => {
    const since = Math.floor(Date.now() / 1000) - 86_400;
    app.api
      .get<Page<AnomalyView>>(`/api/anomalies?from=${since}&limit=1000`)
      .then((p) => {
        const counts = new Map<string, number>();
        for (const a of p.items) counts.set(a.endpoint, (counts.get(a.endpoint) ?? 0) + 1);
        setAnomalies(counts);
      })
      .catch(() => undefined);
    const loadTrust = (): void => {
      app.api
        .get<{ items: { subject: string; score: number | null }[] }>('/api/trust?limit=1000')
        .then((p) => setTrust(new Map(p.items.map((t) => [t.subject, t.score]))))
        .catch(() => undefined);
    };
    loadTrust();
    return app.onEvent((e) => {
      if (e.type === 'anomaly') setAnomalies((m) => new Map(m).set(e.endpoint, (m.get(e.endpoint) ?? 0) + 1));
      if (e.type === 'trust-drop' || e.type === 'trust-reevaluate') loadTrust();
    });
  }, [app]);

  // Sorted once per change of membership; being seen (a notification) changes no order.
  const sorted = useMemo(() => [...fleet.devices.keys()].sort(), [fleet.membership]);
  const matching = useMemo(() => {
    const q = query.trim().toLowerCase();
    return q ? sorted.filter((ep) => ep.toLowerCase().includes(q) || (fleet.devices.get(ep)?.client.address.includes(q) ?? false)) : sorted;
  }, [sorted, query]);
  const rows = useMemo(
    () => (stateFilter ? matching.filter((ep) => { const d = fleet.devices.get(ep); return d !== undefined && deviceState(d, now) === stateFilter; }) : matching),
    [stateFilter ? fleet.version : 0, matching, stateFilter, stateFilter ? now : 0],
  );

  const counts = useMemo(() => {
    const c = { online: 0, sleeping: 0, offline: 0 };
    for (const d of fleet.devices.values()) c[deviceState(d, now)] += 1;
    return c;
  }, [fleet.version, now]);

  const pages = Math.max(1, Math.ceil(rows.length / PAGE));
  const shown = rows.slice(page * PAGE, page * PAGE + PAGE).flatMap((ep) => {
    const d = fleet.devices.get(ep);
    return d ? [{ ...d, state: deviceState(d, now) }] : [];
  });
  useEffect(() => setPage(0), [query, stateFilter]);

  return (
    <section aria-labelledby="fleet-h">
      <h1 id="fleet-h">Fleet</h1>
      <ul class="counts" aria-label="Device counts">
        <li>
          <strong data-testid="count-total">{fleet.devices.size}</strong> devices
        </li>
        <li class="online">
          <strong data-testid="count-online">{counts.online}</strong> online
        </li>
        <li class="sleeping">
          <strong>{counts.sleeping}</strong> sleeping
        </li>
        <li class="offline">
          <strong data-testid="count-offline">{counts.offline}</strong> offline
        </li>
      </ul>
      <ActivityStrip buckets={fleet.activity} now={now} />
      <div class="filters" role="search">
        <label>
          Search
          <input type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} placeholder="endpoint or address" />
        </label>
        <label>
          State
          <select value={stateFilter} onChange={(e) => setStateFilter(e.currentTarget.value as DeviceState | '')}>
            <option value="">any</option>
            <option value="online">online</option>
            <option value="sleeping">sleeping</option>
            <option value="offline">offline</option>
          </select>
        </label>
      </div>
      <table class="fleet" aria-label="Devices">
        <thead>
          <tr>
            <th scope="col">Endpoint</th>
            <th scope="col">State</th>
            <th scope="col">Last seen</th>
            <th scope="col">Binding</th>
            <th scope="col">LwM2M</th>
            <th scope="col">Address</th>
            <th scope="col">Trust</th>
            <th scope="col">Anomalies (24 h)</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((d) => (
            <tr key={d.client.endpoint} data-endpoint={d.client.endpoint}>
              <td>
                <a href={href({ page: 'device', endpoint: d.client.endpoint })}>{d.client.endpoint}</a>
              </td>
              <td>
                <span class={`state ${d.state}`}>{d.state}</span>
              </td>
              <td>{ago(d.lastSeen, now)}</td>
              <td>
                {d.client.binding}
                {d.client.queueMode ? ' (queue)' : ''}
              </td>
              <td>{d.client.lwm2mVersion}</td>
              <td>{d.client.address}</td>
              <td>{trustText(trust.get(d.client.endpoint))}</td>
              <td>{anomalies.get(d.client.endpoint) ?? 0}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && <p>No device matches.</p>}
      {pages > 1 && (
        <nav class="pager" aria-label="Pages">
          <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
            Previous
          </button>
          <span>
            page {page + 1} of {pages} ({rows.length} devices)
          </span>
          <button type="button" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>
            Next
          </button>
        </nav>
      )}
    </section>
  );
}

import { useEffect, useState } from 'preact/hooks';
import type { AnomalyView, Page } from '../api/types.js';
import { useAsync } from '../components/useAsync.js';
import type { App } from '../state/appState.js';

const RANGES: readonly [string, number][] = [
  ['last hour', 3600],
  ['last day', 86_400],
  ['last week', 7 * 86_400],
  ['all time', 0],
];

function when(a: AnomalyView): string {
  const t = typeof a.collectedAt === 'number' ? a.collectedAt * 1000 : Date.parse(a.collectedAt);
  return Number.isFinite(t) ? new Date(t).toISOString().replace('T', ' ').slice(0, 19) : String(a.collectedAt);
}

/** Anomalies from the AnomalyStore, filtered by endpoint, kind, severity and time; new ones appear live. */
export function AnomaliesPage({ app }: { app: App }) {
  const [endpoint, setEndpoint] = useState('');
  const [kind, setKind] = useState('');
  const [minSeverity, setMinSeverity] = useState('0');
  const [range, setRange] = useState(86_400);
  const [live, setLive] = useState<AnomalyView[]>([]);
  const list = useAsync(() => {
    const q = new URLSearchParams({ limit: '500' });
    if (endpoint.trim()) q.set('endpoint', endpoint.trim());
    if (range) q.set('from', String(Math.floor(Date.now() / 1000) - range));
    return app.api.get<Page<AnomalyView>>(`/api/anomalies?${q.toString()}`);
  }, [endpoint, range]);
  useEffect(() => setLive([]), [endpoint, range]);
  useEffect(
    () =>
      app.onEvent((e) => {
        if (e.type !== 'anomaly') return;
        setLive((l) => [{ endpoint: e.endpoint, kind: String(e.data['kind'] ?? ''), severity: Number(e.data['severity'] ?? 0), value: e.data['value'] as string | undefined, collectedAt: (e.data['collectedAt'] as number | undefined) ?? Math.floor(Date.now() / 1000) }, ...l]);
      }),
    [app],
  );
  const rows = [...live, ...(list.value?.items ?? [])].filter(
    (a) => (!endpoint.trim() || a.endpoint === endpoint.trim()) && (!kind.trim() || a.kind.includes(kind.trim())) && a.severity >= Number(minSeverity),
  );
  return (
    <section aria-labelledby="an-h">
      <h1 id="an-h">Anomalies</h1>
      <div class="filters" role="search">
        <label>
          Endpoint
          <input value={endpoint} onChange={(e) => setEndpoint(e.currentTarget.value)} />
        </label>
        <label>
          Kind contains
          <input value={kind} onInput={(e) => setKind(e.currentTarget.value)} />
        </label>
        <label>
          Minimum severity
          <input type="number" min={0} max={255} value={minSeverity} onInput={(e) => setMinSeverity(e.currentTarget.value)} />
        </label>
        <label>
          Time
          <select value={String(range)} onChange={(e) => setRange(Number(e.currentTarget.value))}>
            {RANGES.map(([label, s]) => (
              <option key={s} value={String(s)}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {list.error && (
        <p class="error" role="alert">
          {list.error}
        </p>
      )}
      <table aria-label="Anomalies">
        <thead>
          <tr>
            <th scope="col">Time (UTC)</th>
            <th scope="col">Endpoint</th>
            <th scope="col">Kind</th>
            <th scope="col">Severity</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((a, i) => (
            <tr key={`${a.endpoint}-${i}`} data-kind={a.kind}>
              <td>{when(a)}</td>
              <td>{a.endpoint}</td>
              <td>{a.kind}</td>
              <td>{a.severity}</td>
              <td>{a.value ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && !list.loading && <p>No anomaly matches.</p>}
    </section>
  );
}

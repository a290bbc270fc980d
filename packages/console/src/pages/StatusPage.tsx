import { useEffect } from 'preact/hooks';
import { useAsync } from '../components/useAsync.js';
import type { App } from '../state/appState.js';
import { metricTotals } from '../state/metrics.js';

/** Chain, servers and key figures, from `/health` and `/metrics`, refreshed every 5 s. */
export function StatusPage({ app }: { app: App }) {
  const health = useAsync(() => app.api.raw('/health').then((r) => r.json() as Promise<Record<string, unknown>>), []);
  const metrics = useAsync(() => app.api.raw('/metrics').then((r) => r.text()).then(metricTotals), []);
  useEffect(() => {
    const t = setInterval(() => {
      health.reload();
      metrics.reload();
    }, 5000);
    return () => clearInterval(t);
  }, []);
  return (
    <section aria-labelledby="st-h">
      <h1 id="st-h">Status</h1>
      <h2>Health</h2>
      {health.error ? <p class="error">{health.error}</p> : <pre class="health">{JSON.stringify(health.value ?? {}, null, 2)}</pre>}
      <h2>Figures</h2>
      <table aria-label="Metrics">
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          {[...(metrics.value?.entries() ?? [])]
            .filter(([k]) => k.startsWith('chainm2m_'))
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([k, v]) => (
              <tr key={k}>
                <td>{k}</td>
                <td>{Number.isInteger(v) ? v : v.toFixed(3)}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </section>
  );
}

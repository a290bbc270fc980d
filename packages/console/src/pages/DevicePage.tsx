import { useEffect, useMemo, useState } from 'preact/hooks';
import type { AnomalyView, ClientView, ObjectModelJson, Page } from '../api/types.js';
import { ObjectTree } from '../components/ObjectTree.js';
import { buildTree, type TreeNode } from '../state/tree.js';
import { NodeActions } from '../components/NodeActions.js';
import { ValueChart } from '../components/ValueChart.js';
import { useAsync } from '../components/useAsync.js';
import type { App } from '../state/appState.js';
import { appendPoint, numericValues, type Series } from '../state/series.js';
import { useStore } from '../state/Store.js';

/** One device: its registration, its object tree with every operation, live charts, its anomalies. */
export function DevicePage({ app, endpoint }: { app: App; endpoint: string }) {
  const session = useStore(app.store, (s) => s.session);
  const ep = encodeURIComponent(endpoint);
  const client = useAsync(() => app.api.get<ClientView>(`/api/clients/${ep}`), [endpoint]);
  const models = useAsync(() => app.api.get<{ items: ObjectModelJson[] }>('/api/objects').then((r) => new Map(r.items.map((m) => [m.id, m]))), []);
  const anomalies = useAsync(() => app.api.get<Page<AnomalyView>>(`/api/anomalies?endpoint=${ep}&limit=50`), [endpoint]);
  const trust = useAsync(() => app.api.get<{ score: number | null; evaluations: number }>(`/api/trust/${ep}`), [endpoint]);
  const provenance = useAsync(
    () => app.api.get<{ items: { seq: number; time: string; action: string; operation: string; path?: string | null; valid: boolean; reason?: string | null; sender: string }[] }>(`/api/provenance?endpoint=${ep}&limit=20`),
    [endpoint],
  );
  const [selected, setSelected] = useState<TreeNode>();
  const [series, setSeries] = useState<ReadonlyMap<string, Series>>(new Map());

  useEffect(
    () =>
      app.onEvent((e) => {
        if (e.endpoint !== endpoint || (e.type !== 'notification' && e.type !== 'send')) return;
        const at = typeof e.data['at'] === 'string' ? Date.parse(e.data['at']) / 1000 : Date.now() / 1000;
        const paths = Array.isArray(e.data['paths']) ? (e.data['paths'] as string[]) : [];
        const points: [string, number][] = [];
        if (paths.length === 1 && paths[0]) points.push(...numericValues(paths[0], e.data['content']));
        else if (Array.isArray(e.data['content'])) {
          for (const item of e.data['content'] as { path?: string; node?: unknown }[]) if (item.path) points.push(...numericValues(item.path, item.node));
        }
        if (points.length === 0) return;
        setSeries((m) => {
          const next = new Map(m);
          for (const [p, v] of points) next.set(p, appendPoint(next.get(p), at, v));
          return next;
        });
      }),
    [app, endpoint],
  );

  const tree = useMemo(() => buildTree(client.value, models.value), [client.value, models.value]);
  const model = (objectId: number): ObjectModelJson | undefined => models.value?.get(objectId);
  const canOperate = session?.role === 'admin' || session?.role === 'application';

  if (client.error) {
    return (
      <section>
        <h1>{endpoint}</h1>
        <p role="alert" class="error">
          {client.error}
        </p>
      </section>
    );
  }
  const c = client.value;
  return (
    <section aria-labelledby="device-h" class="device">
      <h1 id="device-h">{endpoint}</h1>
      {c && (
        <dl class="registration">
          <dt>Registration</dt>
          <dd>{c.registrationId}</dd>
          <dt>LwM2M</dt>
          <dd>{c.lwm2mVersion}</dd>
          <dt>Binding</dt>
          <dd>
            {c.binding}
            {c.queueMode ? ' (queue mode)' : ''}
          </dd>
          <dt>Lifetime</dt>
          <dd>{c.lifetime} s</dd>
          <dt>Address</dt>
          <dd>{c.address}</dd>
          <dt>Identity</dt>
          <dd>{c.identity ?? 'none (NoSec)'}</dd>
          <dt>Registered</dt>
          <dd>{c.registeredAt}</dd>
          <dt>Last update</dt>
          <dd>{c.lastUpdateAt}</dd>
        </dl>
      )}
      <div class="split">
        <ObjectTree nodes={tree} selected={selected} onSelect={setSelected} />
        <div class="panel">
          {selected ? (
            <NodeActions
              app={app}
              endpoint={endpoint}
              node={selected}
              resourceModel={selected.resource !== undefined ? model(selected.object)?.resources.find((r) => r.id === selected.resource) : undefined}
              canOperate={canOperate}
              onValue={(path, content) => {
                const points = numericValues(path, content);
                if (points.length) setSeries((m) => {
                  const next = new Map(m);
                  for (const [p, v] of points) next.set(p, appendPoint(next.get(p), Date.now() / 1000, v));
                  return next;
                });
              }}
            />
          ) : (
            <p>Select an object, instance or resource in the tree.</p>
          )}
        </div>
      </div>
      <h2>Values over time</h2>
      {series.size === 0 ? <p>Observe or read a numeric resource to plot it.</p> : [...series.entries()].map(([p, s]) => <ValueChart key={p} title={p} series={s} />)}
      <h2>Trust</h2>
      {trust.error ? (
        <p>{trust.error}</p>
      ) : (
        <p>
          Score <strong>{trust.value?.score === null || trust.value?.score === undefined ? 'unknown (no evidence yet)' : trust.value.score.toFixed(3)}</strong> from {trust.value?.evaluations ?? 0} evaluations (
          <a href="#/trust">trust page</a>)
        </p>
      )}
      <h2>Provenance (latest 20)</h2>
      {provenance.error ? (
        <p>{provenance.error}</p>
      ) : (
        <ul class="anomalies">
          {(provenance.value?.items ?? []).map((r) => (
            <li key={r.seq} class={r.valid ? '' : 'invalid'}>
              #{r.seq} {r.time} {r.action} {r.operation} {r.path ?? ''} by {r.sender}
              {r.valid ? '' : ` — invalid: ${r.reason ?? ''}`}
            </li>
          ))}
          {provenance.value?.items.length === 0 && <li>No record yet.</li>}
        </ul>
      )}
      <h2>Anomalies</h2>
      {anomalies.error ? (
        <p class="error">{anomalies.error}</p>
      ) : (
        <ul class="anomalies">
          {(anomalies.value?.items ?? []).map((a, i) => (
            <li key={i}>
              {String(a.collectedAt)} — {a.kind} (severity {a.severity}) {a.value ?? ''}
            </li>
          ))}
          {anomalies.value?.items.length === 0 && <li>None recorded.</li>}
        </ul>
      )}
    </section>
  );
}


import { useState } from 'preact/hooks';
import type { EndpointSecrets, EndpointView, Page } from '../api/types.js';
import { CopyButton } from '../components/CopyButton.js';
import { CsvImport } from '../components/CsvImport.js';
import { errorText, useAsync } from '../components/useAsync.js';
import type { App } from '../state/appState.js';

/** Admin: endpoints in the ClientStore; keys of a new or rotated endpoint are shown once, here only. */
export function EndpointsPage({ app }: { app: App }) {
  const [offset, setOffset] = useState(0);
  const list = useAsync(() => app.api.get<Page<EndpointView>>(`/api/endpoints?offset=${offset}&limit=100`), [offset]);
  const [name, setName] = useState('');
  const [clearance, setClearance] = useState('0');
  const [secrets, setSecrets] = useState<EndpointSecrets>();
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();

  const add = async (e: Event): Promise<void> => {
    e.preventDefault();
    setMessage(undefined);
    try {
      const s = await app.api.post<EndpointSecrets>('/api/endpoints', { endpoint: name.trim(), clearance: Number(clearance) });
      setSecrets(s);
      setName('');
      list.reload();
    } catch (err) {
      setMessage({ ok: false, text: errorText(err) });
    }
  };
  const rotate = async (ep: string): Promise<void> => {
    if (!confirm(`Rotate the keys of ${ep}? The device must be given the new keys; its sessions are dropped.`)) return;
    try {
      setSecrets(await app.api.post<EndpointSecrets>(`/api/endpoints/${encodeURIComponent(ep)}/rotate`, {}));
    } catch (err) {
      setMessage({ ok: false, text: errorText(err) });
    }
  };
  const remove = async (ep: string, compromised: boolean): Promise<void> => {
    if (!confirm(`Remove ${ep}${compromised ? ' as compromised' : ''}? Its sessions are dropped at once.`)) return;
    try {
      await app.api.delete(`/api/endpoints/${encodeURIComponent(ep)}${compromised ? '?compromised=true' : ''}`);
      setMessage({ ok: true, text: `${ep} removed` });
      list.reload();
    } catch (err) {
      setMessage({ ok: false, text: errorText(err) });
    }
  };

  return (
    <section aria-labelledby="ep-h">
      <h1 id="ep-h">Endpoints</h1>
      <form class="inline" onSubmit={add} aria-label="Add an endpoint">
        <label>
          Endpoint name
          <input name="endpoint" required maxLength={128} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Clearance
          <input name="clearance" type="number" min={0} max={255} value={clearance} onInput={(e) => setClearance(e.currentTarget.value)} />
        </label>
        <button type="submit">Add endpoint</button>
      </form>
      {secrets && (
        <div class="secrets" role="status" aria-live="polite" data-testid="secrets">
          <h2>Keys for {secrets.endpoint} — shown once</h2>
          <p>Copy them now: they are stored only sealed and will not be shown again.</p>
          <dl>
            <dt>Server identity</dt>
            <dd>
              <code>{secrets.identity}</code>
            </dd>
            <dt>Server PSK (hex)</dt>
            <dd>
              <code data-testid="psk">{secrets.pskHex}</code> <CopyButton text={secrets.pskHex} label="Copy server PSK" />
            </dd>
            <dt>Bootstrap identity</dt>
            <dd>
              <code>{secrets.bsIdentity}</code>
            </dd>
            <dt>Bootstrap PSK (hex)</dt>
            <dd>
              <code>{secrets.bsPskHex}</code> <CopyButton text={secrets.bsPskHex} label="Copy bootstrap PSK" />
            </dd>
          </dl>
          <button type="button" onClick={() => setSecrets(undefined)}>
            I have stored them
          </button>
        </div>
      )}
      {message && (
        <p class={message.ok ? 'ok' : 'error'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      )}
      <CsvImport app={app} onDone={() => list.reload()} />
      {list.error && <p class="error">{list.error}</p>}
      <table aria-label="Endpoints">
        <thead>
          <tr>
            <th scope="col">Endpoint</th>
            <th scope="col">Identity</th>
            <th scope="col">Bootstrap identity</th>
            <th scope="col">Clearance</th>
            <th scope="col">On chain</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {(list.value?.items ?? []).map((e) => (
            <tr key={e.endpoint}>
              <td>{e.endpoint}</td>
              <td>{String(e.identity ?? '')}</td>
              <td>{String(e.bsIdentity ?? '')}</td>
              <td>{String(e.clearance ?? 0)}</td>
              <td>keys sealed (X25519 + AES-256-GCM){e.registrar ? `, by ${e.registrar}` : ''}</td>
              <td>
                <button type="button" onClick={() => rotate(e.endpoint)}>
                  Rotate keys
                </button>{' '}
                <button type="button" onClick={() => remove(e.endpoint, false)}>
                  Remove
                </button>{' '}
                <button type="button" onClick={() => remove(e.endpoint, true)}>
                  Remove as compromised
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - 100))}>
          Previous
        </button>
        <span>{list.value ? `${offset + 1}–${offset + list.value.items.length} of ${list.value.total}` : ''}</span>
        <button type="button" disabled={!list.value || offset + 100 >= list.value.total} onClick={() => setOffset(offset + 100)}>
          Next
        </button>
      </nav>
    </section>
  );
}

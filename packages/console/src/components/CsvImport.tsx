import { useState } from 'preact/hooks';
import type { EndpointSecrets } from '../api/types.js';
import type { App } from '../state/appState.js';
import { csvChunks } from '../state/csvChunks.js';
import { errorText } from './useAsync.js';

interface ImportAnswer {
  readonly added: readonly EndpointSecrets[];
  readonly skipped: readonly string[];
  readonly failed: readonly { line: number; endpoint: string; reason: string }[];
}

/** Imports an endpoint CSV in parts (a progress bar), then lists each refused line and the new keys, once. */
export function CsvImport({ app, onDone }: { app: App; onDone: () => void }) {
  const [progress, setProgress] = useState<{ done: number; total: number }>();
  const [result, setResult] = useState<{ added: EndpointSecrets[]; skipped: number; failed: ImportAnswer['failed'][number][] }>();
  const [error, setError] = useState<string>();

  const run = async (file: File): Promise<void> => {
    setError(undefined);
    setResult(undefined);
    const chunks = csvChunks(await file.text());
    const total = chunks.reduce((n, c) => n + c.lines, 0);
    const acc = { added: [] as EndpointSecrets[], skipped: 0, failed: [] as ImportAnswer['failed'][number][] };
    setProgress({ done: 0, total });
    try {
      let done = 0;
      for (const chunk of chunks) {
        const res = await app.api.raw(`/api/endpoints/import?lineOffset=${chunk.lineOffset}`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: chunk.text });
        const body = (await res.json()) as ImportAnswer & { message?: string };
        if (!res.ok) throw new Error(body.message ?? `HTTP ${res.status}`);
        acc.added.push(...body.added);
        acc.skipped += body.skipped.length;
        acc.failed.push(...body.failed);
        done += chunk.lines;
        setProgress({ done, total });
      }
      setResult(acc);
      onDone();
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <section aria-labelledby="import-h" class="import">
      <h2 id="import-h">Import from CSV</h2>
      <label>
        CSV file (columns: endpoint, psk, psk_text, identity, bs_psk, bs_psk_text, bs_identity, lifetime, clearance)
        <input
          type="file"
          accept=".csv,text/csv"
          onChange={(e) => {
            const f = e.currentTarget.files?.[0];
            if (f) void run(f);
          }}
        />
      </label>
      {progress && (
        <p>
          <progress max={progress.total || 1} value={progress.done} aria-label="Import progress" /> {progress.done} of {progress.total} lines
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {result && (
        <div role="status" data-testid="import-result">
          <p>
            Added {result.added.length}, already present {result.skipped}, failed {result.failed.length}.
          </p>
          {result.failed.length > 0 && (
            <ul class="error" aria-label="Refused lines">
              {result.failed.map((f) => (
                <li key={f.line}>
                  line {f.line}
                  {f.endpoint ? ` (${f.endpoint})` : ''}: {f.reason}
                </li>
              ))}
            </ul>
          )}
          {result.added.length > 0 && (
            <details class="secrets">
              <summary>Keys of the added endpoints (shown once)</summary>
              <table aria-label="Imported keys">
                <thead>
                  <tr>
                    <th scope="col">Endpoint</th>
                    <th scope="col">Identity</th>
                    <th scope="col">PSK</th>
                    <th scope="col">Bootstrap identity</th>
                    <th scope="col">Bootstrap PSK</th>
                  </tr>
                </thead>
                <tbody>
                  {result.added.map((s) => (
                    <tr key={s.endpoint}>
                      <td>{s.endpoint}</td>
                      <td>{s.identity}</td>
                      <td>
                        <code>{s.pskHex}</code>
                      </td>
                      <td>{s.bsIdentity}</td>
                      <td>
                        <code>{s.bsPskHex}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          )}
        </div>
      )}
    </section>
  );
}

import { useState } from 'preact/hooks';
import { useAsync } from '../components/useAsync.js';
import type { App } from '../state/appState.js';
import { checkReceipt, type AnchorCheckJson, type BrowserCheck, type ReceiptJson } from '../state/receiptCheck.js';

interface RecordView {
  readonly seq: number;
  readonly time: number | string;
  readonly tx: string;
  readonly provenance: string;
  readonly sender: string;
  readonly receiver: string;
  readonly action: string;
  readonly operation: string;
  readonly path?: string | null;
  readonly outcome?: string | null;
  readonly valid: boolean;
  readonly reason?: string | null;
  readonly hash: string;
  readonly [key: string]: unknown;
}

function when(t: number | string): string {
  const ms = typeof t === 'number' ? (t > 1e12 ? t : t * 1000) : Date.parse(t);
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : String(t);
}

/** Provenance: the records newest first (invalid ones with their reason), one transaction's causal chain, receipts. */
export function ProvenancePage({ app }: { app: App }) {
  const [endpoint, setEndpoint] = useState('');
  const [invalidOnly, setInvalidOnly] = useState(false);
  const [tx, setTx] = useState<string>();
  const [receiptMessage, setReceiptMessage] = useState<string>();
  const [verdict, setVerdict] = useState<{ seq: number; valid: boolean; checks: BrowserCheck[] }>();
  const check = async (seq: number): Promise<void> => {
    setVerdict(undefined);
    const res = await app.api.raw(`/api/provenance/records/${seq}/receipt`);
    const text = await res.text();
    if (!res.ok) {
      setReceiptMessage(`record ${seq}: ${(JSON.parse(text) as { message?: string }).message ?? res.status}`);
      return;
    }
    const receipt = JSON.parse(text) as ReceiptJson;
    const readAnchor = (root: string, signingKey: string): Promise<AnchorCheckJson> =>
      app.api.get<AnchorCheckJson>(`/api/provenance/anchors/${root}?signingKey=${signingKey}&contract=${receipt.anchor.contract}&chainId=${receipt.anchor.chainId}`);
    setVerdict({ seq, ...(await checkReceipt(receipt, readAnchor)) });
  };
  const list = useAsync(() => {
    const q = new URLSearchParams({ limit: '100' });
    if (endpoint.trim()) q.set('endpoint', endpoint.trim());
    if (invalidOnly) q.set('invalid', 'true');
    return app.api.get<{ items: RecordView[] }>(`/api/provenance?${q.toString()}`);
  }, [endpoint, invalidOnly]);
  const chain = useAsync(() => (tx ? app.api.get<{ items: RecordView[] }>(`/api/provenance/tx/${encodeURIComponent(tx)}`) : Promise.resolve(undefined)), [tx]);
  const download = async (seq: number): Promise<void> => {
    const res = await app.api.raw(`/api/provenance/records/${seq}/receipt`);
    const text = await res.text();
    if (!res.ok) {
      setReceiptMessage(`record ${seq}: ${(JSON.parse(text) as { message?: string }).message ?? res.status}`);
      return;
    }
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    a.download = `receipt-${seq}.json`;
    a.click();
    setReceiptMessage(`receipt-${seq}.json saved: check it offline with \`chainm2m verify receipt-${seq}.json\``);
  };
  const rows = (items: readonly RecordView[], label: string) => (
    <table aria-label={label}>
      <thead>
        <tr>
          <th scope="col">Seq</th>
          <th scope="col">Time (UTC)</th>
          <th scope="col">Action</th>
          <th scope="col">Operation</th>
          <th scope="col">Sender → receiver</th>
          <th scope="col">Outcome</th>
          <th scope="col">Verdict</th>
          <th scope="col">Transaction</th>
          <th scope="col">Receipt</th>
        </tr>
      </thead>
      <tbody>
        {items.map((r) => (
          <tr key={r.seq} class={r.valid ? '' : 'invalid'} data-seq={r.seq}>
            <td>{r.seq}</td>
            <td>{when(r.time)}</td>
            <td>{r.action}</td>
            <td>
              {r.operation} {r.path ?? ''}
            </td>
            <td>
              {r.sender} → {r.receiver}
            </td>
            <td>{r.outcome ?? ''}</td>
            <td>{r.valid ? 'valid' : `invalid: ${r.reason ?? ''}`}</td>
            <td>
              <button type="button" class="link" onClick={() => setTx(r.tx)}>
                {r.tx.slice(0, 12)}
              </button>
            </td>
            <td>
              <button type="button" onClick={() => void download(r.seq)}>
                Download
              </button>{' '}
              <button type="button" onClick={() => void check(r.seq)}>
                Check
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
  return (
    <section aria-labelledby="prov-h">
      <h1 id="prov-h">Provenance</h1>
      <div class="filters" role="search">
        <label>
          Endpoint
          <input value={endpoint} onChange={(e) => setEndpoint(e.currentTarget.value)} />
        </label>
        <label class="check">
          <input type="checkbox" checked={invalidOnly} onChange={(e) => setInvalidOnly(e.currentTarget.checked)} /> invalid only
        </label>
      </div>
      {receiptMessage && <p role="status">{receiptMessage}</p>}
      {verdict && (
        <div role="status" class={verdict.valid ? 'result ok' : 'result error'} data-testid="receipt-verdict">
          <p>
            Receipt of record {verdict.seq}: <strong>{verdict.valid ? 'valid' : 'INVALID'}</strong> (checked in this browser)
          </p>
          <ul>
            {verdict.checks.map((c) => (
              <li key={c.name}>
                {c.ok ? '✓' : '✗'} {c.name}: {c.detail}
              </li>
            ))}
          </ul>
        </div>
      )}
      {list.error && <p class="error">{list.error}</p>}
      {list.value && rows(list.value.items, 'Provenance records')}
      {tx && (
        <section aria-labelledby="tx-h">
          <h2 id="tx-h">Transaction {tx}</h2>
          {chain.error && <p class="error">{chain.error}</p>}
          {chain.value && (
            <ol class="timeline" data-testid="tx-timeline">
              {chain.value.items.map((r) => (
                <li key={r.seq} class={r.valid ? '' : 'invalid'}>
                  <strong>{r.action}</strong> {r.operation} {r.path ?? ''}: {r.sender} → {r.receiver} at {when(r.time)}
                  {r.outcome ? ` (${r.outcome})` : ''}
                  {r.valid ? '' : ` — invalid: ${r.reason ?? ''}`}
                </li>
              ))}
            </ol>
          )}
        </section>
      )}
    </section>
  );
}

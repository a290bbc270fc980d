import { useState } from 'preact/hooks';
import { errorText, useAsync } from '../components/useAsync.js';
import type { App } from '../state/appState.js';

interface TrustListItem {
  readonly subject: string;
  readonly score: number | null;
  readonly [key: string]: unknown;
}
interface Evaluation {
  readonly evaluator?: string;
  readonly score?: number;
  readonly kind?: string;
  readonly at?: number | string;
  readonly txHash?: string;
  readonly [key: string]: unknown;
}
interface TrustView {
  readonly subject: string;
  readonly score: number | null;
  readonly known: boolean;
  readonly evaluations: number;
  readonly recent: readonly Evaluation[];
  readonly reevaluationPending?: boolean;
  readonly verification?: { readonly matches: boolean; readonly recomputedScore: number | null; readonly chainEvaluations: number };
}

const fmt = (s: number | null | undefined): string => (s === null || s === undefined ? 'unknown' : s.toFixed(3));

/** Trust: the low-trust list, one subject's score with its evaluations and their transactions, verified against the chain. */
export function TrustPage({ app }: { app: App }) {
  const [below, setBelow] = useState('0.2');
  const [subject, setSubject] = useState<string>();
  const [verified, setVerified] = useState<TrustView['verification'] | string>();
  const list = useAsync(() => app.api.get<{ items: TrustListItem[] }>(`/api/trust?below=${encodeURIComponent(below)}`), [below]);
  const all = useAsync(() => app.api.get<{ items: TrustListItem[] }>('/api/trust'), []);
  const view = useAsync(() => (subject ? app.api.get<TrustView>(`/api/trust/${encodeURIComponent(subject)}`) : Promise.resolve(undefined)), [subject]);
  const verify = async (): Promise<void> => {
    if (!subject) return;
    try {
      setVerified((await app.api.get<TrustView>(`/api/trust/${encodeURIComponent(subject)}?verify=true`)).verification);
    } catch (err) {
      setVerified(errorText(err));
    }
  };
  const row = (t: TrustListItem) => (
    <tr key={t.subject}>
      <td>
        <button type="button" class="link" onClick={() => (setSubject(t.subject), setVerified(undefined))}>
          {t.subject}
        </button>
      </td>
      <td data-testid={`trust-${t.subject}`}>{fmt(t.score)}</td>
    </tr>
  );
  return (
    <section aria-labelledby="trust-h">
      <h1 id="trust-h">Trust</h1>
      <div class="filters" role="search">
        <label>
          Low trust: below
          <input type="number" min={-1} max={1} step={0.1} value={below} onChange={(e) => setBelow(e.currentTarget.value)} />
        </label>
      </div>
      <h2>Low-trust subjects</h2>
      {list.error && <p class="error">{list.error}</p>}
      <table aria-label="Low-trust subjects">
        <thead>
          <tr>
            <th scope="col">Subject</th>
            <th scope="col">Score</th>
          </tr>
        </thead>
        <tbody>{(list.value?.items ?? []).map(row)}</tbody>
      </table>
      <h2>All scored subjects</h2>
      <table aria-label="Scored subjects">
        <thead>
          <tr>
            <th scope="col">Subject</th>
            <th scope="col">Score</th>
          </tr>
        </thead>
        <tbody>{(all.value?.items ?? []).map(row)}</tbody>
      </table>
      {subject && (
        <section aria-labelledby="subject-h">
          <h2 id="subject-h">{subject}</h2>
          {view.error && <p class="error">{view.error}</p>}
          {view.value && (
            <>
              <p>
                Score <strong data-testid="trust-score">{fmt(view.value.score)}</strong> from {view.value.evaluations} evaluations
                {view.value.reevaluationPending ? ' (re-evaluation pending: its interface changed)' : ''}
              </p>
              <button type="button" onClick={() => void verify()}>
                Verify against the chain
              </button>
              {verified !== undefined && (
                <p role="status" data-testid="trust-verified" class={typeof verified === 'string' || !verified?.matches ? 'error' : 'ok'}>
                  {typeof verified === 'string'
                    ? verified
                    : verified
                      ? `${verified.matches ? 'Matches' : 'Does NOT match'}: recomputed ${fmt(verified.recomputedScore)} from ${verified.chainEvaluations} evaluations on chain`
                      : 'no verification'}
                </p>
              )}
              <table aria-label="Evaluations">
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Evaluator</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Score</th>
                    <th scope="col">Transaction</th>
                  </tr>
                </thead>
                <tbody>
                  {view.value.recent.map((e, i) => (
                    <tr key={i}>
                      <td>{String(e.at ?? '')}</td>
                      <td>{String(e.evaluator ?? '')}</td>
                      <td>{String(e.kind ?? '')}</td>
                      <td>{typeof e.score === 'number' ? e.score.toFixed(3) : String(e.score ?? '')}</td>
                      <td>
                        <code>{String(e.txHash ?? '')}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </section>
      )}
    </section>
  );
}

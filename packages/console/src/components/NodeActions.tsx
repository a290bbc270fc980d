import { useState } from 'preact/hooks';
import type { ResourceModelJson } from '../api/types.js';
import type { App } from '../state/appState.js';
import { ResourceValue } from './ResourceValue.js';
import type { TreeNode } from '../state/tree.js';
import { errorText } from './useAsync.js';
import { parseInput } from '../state/input.js';

const FORMATS = ['', 'text', 'tlv', 'senml-json', 'senml-cbor', 'json', 'opaque'] as const;

/** Every LwM2M operation on one node, in any content format; results and errors shown in place. */
export function NodeActions(props: {
  app: App;
  endpoint: string;
  node: TreeNode;
  resourceModel: ResourceModelJson | undefined;
  canOperate: boolean;
  onValue: (path: string, content: unknown) => void;
}) {
  const { app, endpoint, node, resourceModel, canOperate } = props;
  const [format, setFormat] = useState<(typeof FORMATS)[number]>('');
  const [input, setInput] = useState('');
  const [result, setResult] = useState<{ ok: boolean; text: string; content?: unknown }>();
  const [busy, setBusy] = useState(false);
  const url = `/api/clients/${encodeURIComponent(endpoint)}${node.path}`;
  const q = format ? `?format=${format}` : '';
  const level = node.resource !== undefined ? 'resource' : node.instance !== undefined ? 'instance' : 'object';
  const ops = resourceModel?.operations ?? '';
  const why = canOperate ? undefined : 'your role may only read';

  const run = async (label: string, f: () => Promise<unknown>, showContent = false): Promise<void> => {
    setBusy(true);
    try {
      const r = await f();
      const content = showContent && r && typeof r === 'object' && 'content' in r ? (r as { content: unknown }).content : undefined;
      if (content !== undefined) props.onValue(node.path, content);
      setResult({ ok: true, text: `${label}: done`, ...(content !== undefined ? { content } : r && typeof r === 'object' && !('content' in r) ? { content: r } : {}) });
    } catch (err) {
      setResult({ ok: false, text: `${label} failed: ${errorText(err)}` });
    } finally {
      setBusy(false);
    }
  };

  const body = (): unknown => {
    if (level === 'resource') return { content: parseInput(input, resourceModel?.type) };
    return { content: parseInput(input, undefined) };
  };

  return (
    <div class="actions" aria-busy={busy}>
      <h2>
        {node.path} <small>{node.label}</small>
      </h2>
      {resourceModel?.description && <p class="desc">{resourceModel.description}</p>}
      <div class="row">
        <label>
          Format
          <select value={format} onChange={(e) => setFormat(e.currentTarget.value as (typeof FORMATS)[number])}>
            {FORMATS.map((f) => (
              <option key={f} value={f}>
                {f || 'server default'}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div class="row buttons">
        <button type="button" disabled={busy || (level === 'resource' && ops !== '' && !ops.includes('R'))} onClick={() => run('Read', () => app.api.get(url + q), true)}>
          Read
        </button>
        <button type="button" disabled={busy} onClick={() => run('Discover', () => app.api.get(`${url}/discover`))}>
          Discover
        </button>
        <button type="button" disabled={busy || !canOperate} title={why} onClick={() => run('Observe', () => app.api.post(`${url}/observe${q}`), true)}>
          Observe
        </button>
        <button type="button" disabled={busy || !canOperate} title={why} onClick={() => run('Cancel observation', () => app.api.delete(`${url}/observe`))}>
          Cancel observe
        </button>
        {level === 'instance' && (
          <button type="button" disabled={busy || !canOperate} title={why} onClick={() => run('Delete', () => app.api.delete(url))}>
            Delete instance
          </button>
        )}
      </div>
      <label class="block">
        {level === 'resource' ? `Value${resourceModel ? ` (${resourceModel.type})` : ''} or execute arguments` : level === 'instance' ? 'Instance content (JSON, e.g. {"5850": true})' : 'New instance (JSON, e.g. {"id": 1, "resources": {"5850": true}})'}
        <input value={input} onInput={(e) => setInput(e.currentTarget.value)} />
      </label>
      <div class="row buttons">
        {level !== 'object' && (
          <button type="button" disabled={busy || !canOperate || (ops !== '' && !ops.includes('W'))} title={why} onClick={() => run('Write', () => app.api.put(url + q, body()))}>
            Write
          </button>
        )}
        {level === 'instance' && (
          <button type="button" disabled={busy || !canOperate} title={why} onClick={() => run('Partial update', () => app.api.put(`${url}?replace=false${format ? `&format=${format}` : ''}`, body()))}>
            Update (partial)
          </button>
        )}
        {level === 'resource' && (
          <button type="button" disabled={busy || !canOperate || (ops !== '' && !ops.includes('E'))} title={why} onClick={() => run('Execute', () => app.api.post(url, input ? { args: input } : {}))}>
            Execute
          </button>
        )}
        {level === 'object' && (
          <button type="button" disabled={busy || !canOperate} title={why} onClick={() => run('Create', () => app.api.post(url + q, parseInput(input, undefined)))}>
            Create instance
          </button>
        )}
        <button
          type="button"
          disabled={busy || !canOperate}
          title={why}
          onClick={() => run('Write attributes', () => app.api.put(`${url}/attributes?${input.replace(/^\?/, '') || 'pmin=1'}`))}
        >
          Write attributes (e.g. pmin=1&amp;pmax=10)
        </button>
      </div>
      {result && (
        <div class={result.ok ? 'result ok' : 'result error'} role={result.ok ? 'status' : 'alert'}>
          <p>{result.text}</p>
          {result.content !== undefined && <ResourceValue node={result.content} />}
        </div>
      )}
    </div>
  );
}

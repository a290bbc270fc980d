import type { NodeJson } from '../api/types.js';

/** A read or notified node, shown as values (resources) or a small table (instances). */
export function ResourceValue({ node }: { node: unknown }) {
  if (!node || typeof node !== 'object' || !('kind' in node)) return <pre class="value">{JSON.stringify(node, null, 2)}</pre>;
  const n = node as NodeJson;
  switch (n.kind) {
    case 'singleResource':
    case 'resourceInstance':
      return (
        <output class="value" data-testid="value">
          {String(n.value)}
          <small> ({n.type})</small>
        </output>
      );
    case 'multipleResource':
      return (
        <table class="values">
          <tbody>
            {Object.entries(n.values).map(([id, v]) => (
              <tr key={id}>
                <th scope="row">{id}</th>
                <td>{String(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      );
    case 'objectInstance':
      return (
        <table class="values">
          <tbody>
            {n.resources.map((r) => (
              <tr key={r.id}>
                <th scope="row">{r.id}</th>
                <td>{r.kind === 'multipleResource' ? JSON.stringify(r.values) : String(r.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      );
    case 'object':
      return (
        <div>
          {n.instances.map((i) => (
            <div key={i.id}>
              <h4>Instance {i.id}</h4>
              <ResourceValue node={i} />
            </div>
          ))}
        </div>
      );
  }
}

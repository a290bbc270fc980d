import type { TreeNode } from '../state/tree.js';

/** The object tree as nested lists of buttons (keyboard: Tab and Enter; screen readers: a tree of lists). */
export function ObjectTree({ nodes, selected, onSelect }: { nodes: readonly TreeNode[]; selected: TreeNode | undefined; onSelect: (n: TreeNode) => void }) {
  const render = (list: readonly TreeNode[]) => (
    <ul>
      {list.map((n) => (
        <li key={n.path}>
          <button type="button" class="node" aria-pressed={selected?.path === n.path} data-path={n.path} onClick={() => onSelect(n)}>
            <span>{n.label}</span>
            {n.detail && <small>{n.detail}</small>}
          </button>
          {n.children.length > 0 && render(n.children)}
        </li>
      ))}
    </ul>
  );
  return (
    <nav class="tree" aria-label="Objects">
      {nodes.length === 0 ? <p>No objects registered.</p> : render(nodes)}
    </nav>
  );
}

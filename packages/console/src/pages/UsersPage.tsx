import { useState } from 'preact/hooks';
import type { Page, Role, UserView } from '../api/types.js';
import { errorText, useAsync } from '../components/useAsync.js';
import type { App } from '../state/appState.js';

const ROLES: readonly Role[] = ['admin', 'application', 'user'];

/** Admin: REST API users — add, change role and clearance, disable, set a password. */
export function UsersPage({ app }: { app: App }) {
  const list = useAsync(() => app.api.get<Page<UserView>>('/api/users?limit=1000'), []);
  const [form, setForm] = useState({ username: '', role: 'user' as Role, clearance: '0', password: '' });
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();

  const act = async (label: string, f: () => Promise<unknown>): Promise<void> => {
    try {
      await f();
      setMessage({ ok: true, text: `${label}: done` });
      list.reload();
    } catch (err) {
      setMessage({ ok: false, text: `${label}: ${errorText(err)}` });
    }
  };
  const add = (e: Event): void => {
    e.preventDefault();
    void act(`Add ${form.username}`, () => app.api.post('/api/users', { username: form.username, role: form.role, clearance: Number(form.clearance), password: form.password })).then(() =>
      setForm({ ...form, username: '', password: '' }),
    );
  };
  const change = (u: UserView, patch: Record<string, unknown>): void => void act(`Change ${u.username}`, () => app.api.put(`/api/users/${encodeURIComponent(u.username)}`, patch));

  return (
    <section aria-labelledby="users-h">
      <h1 id="users-h">Users</h1>
      <form class="inline" onSubmit={add} aria-label="Add a user">
        <label>
          Username
          <input required value={form.username} onInput={(e) => setForm({ ...form, username: e.currentTarget.value })} />
        </label>
        <label>
          Role
          <select value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value as Role })}>
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label>
          Clearance
          <input type="number" min={0} max={255} value={form.clearance} onInput={(e) => setForm({ ...form, clearance: e.currentTarget.value })} />
        </label>
        <label>
          Password
          <input type="password" autocomplete="new-password" required minLength={8} value={form.password} onInput={(e) => setForm({ ...form, password: e.currentTarget.value })} />
        </label>
        <button type="submit">Add user</button>
      </form>
      {message && (
        <p class={message.ok ? 'ok' : 'error'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      )}
      {list.error && <p class="error">{list.error}</p>}
      <table aria-label="Users">
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Role</th>
            <th scope="col">Clearance</th>
            <th scope="col">Active</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {(list.value?.items ?? []).map((u) => (
            <tr key={u.username}>
              <td>{u.username}</td>
              <td>
                <select aria-label={`Role of ${u.username}`} value={u.role} onChange={(e) => change(u, { role: e.currentTarget.value })}>
                  {ROLES.map((r) => (
                    <option key={r}>{r}</option>
                  ))}
                </select>
              </td>
              <td>
                <input
                  aria-label={`Clearance of ${u.username}`}
                  type="number"
                  min={0}
                  max={255}
                  value={u.clearance}
                  onChange={(e) => change(u, { clearance: Number(e.currentTarget.value) })}
                />
              </td>
              <td>{u.active ? 'yes' : 'no'}</td>
              <td>
                <button type="button" onClick={() => change(u, { active: !u.active })}>
                  {u.active ? 'Disable' : 'Enable'}
                </button>{' '}
                <button
                  type="button"
                  onClick={() => {
                    const password = prompt(`New password for ${u.username} (at least 8 characters)`);
                    if (password) change(u, { password });
                  }}
                >
                  Set password
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

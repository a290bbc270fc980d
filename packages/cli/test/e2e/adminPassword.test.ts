/**
 * CHAINM2M_ADMIN_PASSWORD sets only the first admin's password: when a later `up` is given another
 * one, it says so (and how to change the password) instead of silently ignoring it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startStack } from '../../src/stack/startStack.js';

const dataDir = mkdtempSync(join(tmpdir(), 'chainm2m-adminpw-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function up(password: string): Promise<string[]> {
  const lines: string[] = [];
  const config = loadConfig({ 'data-dir': dataDir, 'bs-port': '0', 'coap-port': '0', 'api-port': '0', 'chain-port': '0' }, {});
  const stack = await startStack({ config, env: { CHAINM2M_ADMIN_PASSWORD: password }, log: (l) => lines.push(l), console: false });
  await stack.stop();
  return lines;
}

describe('the admin password variable', () => {
  it('warns when it differs from the existing admin password, and not when it matches', { timeout: 120_000 }, async () => {
    const first = await up('first-admin-password');
    expect(first.join('\n')).not.toContain('warning');
    const other = await up('another-password-now');
    expect(other.join('\n')).toMatch(/warning\s+CHAINM2M_ADMIN_PASSWORD is not the password of the existing admin user/);
    expect(other.join('\n')).toContain('chainm2m users passwd admin');
    expect(other.join('\n')).not.toContain('another-password-now');
    const same = await up('first-admin-password');
    expect(same.join('\n')).not.toContain('warning');
  });
});

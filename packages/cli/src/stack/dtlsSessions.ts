/**
 * DTLS sessions of the LwM2M server survive a restart of `chainm2m up`: they are saved sealed with the
 * deployment's sealing key (chain-adapter's `seal`, bound to this file's purpose) to
 * `<dataDir>/dtls-sessions.sealed` every `intervalMs` and on a clean stop, and restored at start
 * (sessions of endpoints rotated or removed meanwhile are skipped by the DTLS server). After a
 * `kill -9` only sessions newer than the last save are lost.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seal, unseal, type SealingKeyPair } from '@chainm2m/chain-adapter';
import { sealSessions, unsealSessions, type SavedSession, type SessionSeal } from '@chainm2m/dtls';

export const DTLS_SESSIONS_FILE = 'dtls-sessions.sealed';
const CONTEXT = { record: 'lwm2m-server', field: 'dtls.sessions' };

export interface DtlsSessionSource {
  export(): SavedSession[];
  restore(saved: readonly SavedSession[]): Promise<{ restored: number; skipped: number }>;
}

export interface DtlsSessionPersistence {
  readonly restored: number;
  readonly skipped: number;
  /** Saves now (also done every interval). */
  save(): Promise<void>;
  /** Stops the timer and saves one last time (call before the DTLS server closes). */
  stop(): Promise<void>;
}

export async function persistDtlsSessions(o: {
  dataDir: string;
  sealingKey: SealingKeyPair;
  sessions: DtlsSessionSource;
  intervalMs?: number;
  log: (line: string) => void;
}): Promise<DtlsSessionPersistence> {
  const file = join(o.dataDir, DTLS_SESSIONS_FILE);
  const sealer: SessionSeal = {
    seal: (plain) => seal(o.sealingKey.publicKey, plain, CONTEXT),
    unseal: (sealed) => unseal(o.sealingKey, sealed, CONTEXT),
  };
  let result = { restored: 0, skipped: 0 };
  if (existsSync(file)) {
    try {
      result = await o.sessions.restore(await unsealSessions(readFileSync(file), sealer));
      o.log(`DTLS sessions  ${result.restored} restored${result.skipped ? `, ${result.skipped} not (credentials changed or unusable)` : ''}`);
    } catch (err) {
      o.log(`DTLS sessions  none restored: ${(err as Error).message}`);
    }
  }
  let saving: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => {
    saving = saving.then(async () => {
      const sealed = await sealSessions(o.sessions.export(), sealer);
      writeFileSync(`${file}.tmp`, sealed, { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
    });
    return saving.catch((err: unknown) => o.log(`DTLS sessions  save failed: ${(err as Error).message}`));
  };
  const timer = setInterval(() => void save(), o.intervalMs ?? 5000);
  timer.unref();
  return {
    restored: result.restored,
    skipped: result.skipped,
    save,
    async stop() {
      clearInterval(timer);
      await save();
    },
  };
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EditableRegistrationStore } from '@chainm2m/lwm2m';
import { describeRegistrationStore } from '@chainm2m/lwm2m/testing';
import { FileRegistrationStore } from './FileRegistrationStore.js';

describeRegistrationStore('FileRegistrationStore (memory-only)', () => FileRegistrationStore.open(), { scale: 100_000 });

const dirs = new Map<EditableRegistrationStore, string>();
describeRegistrationStore(
  'FileRegistrationStore (journaled)',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'regstore-conf-'));
    const store = await FileRegistrationStore.open({ dataDir: dir });
    dirs.set(store, dir);
    return store;
  },
  {
    scale: 20_000,
    teardown: async (store) => {
      await (store as FileRegistrationStore).close();
      const dir = dirs.get(store);
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  },
);

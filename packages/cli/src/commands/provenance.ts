/**
 * `chainm2m verify receipt.json [--rpc URL]`, `chainm2m verify --log`, and
 * `chainm2m provenance list|tx|show|receipt`: read the provenance log of the data dir (read-only,
 * beside a running server or without one) and check receipts against the chain (one eth_call).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chainAnchorReader } from '@chainm2m/chain-adapter';
import {
  ProvenanceRecorder,
  SIGNING_KEY_FILE,
  isProvenanceError,
  loadSigningKeyFile,
  provenanceDir,
  verifyLog,
  verifyReceipt,
  type ProvenanceRecord,
} from '@chainm2m/provenance';
import { CliError, ExitCode, usage } from '../CliError.js';
import type { Command, CommandContext, Values } from '../Command.js';
import type { CliConfig } from '../config.js';
import { print, printJson, table } from '../Io.js';
import { PAGE_OPTIONS, int, pageOf, str } from '../options.js';
import { chainRpcUrlFor } from '../stack/chain.js';

const RPC_OPTION = { rpc: { type: 'string', help: 'JSON-RPC URL of a node of the receipt’s chain (default: CHAIN_RPC_URL or the embedded chain)' } } as const;

function rpcOf(config: CliConfig, values: Values): string {
  return str(values, 'rpc') ?? chainRpcUrlFor(config).rpcUrl;
}

function signingKeyPath(config: CliConfig): string {
  return join(config.dataDir, SIGNING_KEY_FILE);
}

async function openLog(config: CliConfig): Promise<ProvenanceRecorder> {
  let signer;
  try {
    signer = loadSigningKeyFile(signingKeyPath(config));
  } catch (e) {
    throw new CliError('CLI_NOT_DEPLOYED', `no provenance signing key in ${config.dataDir}: run 'chainm2m up' once`, { cause: e });
  }
  return ProvenanceRecorder.open({ dir: provenanceDir(config.dataDir), signer, readOnly: true });
}

const verifyCommand: Command = {
  name: 'verify',
  summary: 'Check a provenance receipt (record hash, signatures, Merkle proof, root on chain), or with --log the whole log',
  args: ['[receipt.json]'],
  options: { ...RPC_OPTION, log: { type: 'boolean', help: 'check the whole log of --data-dir: hash chain, signatures, every batch root on chain' } },
  details: 'Works with the server stopped; needs only a node of the chain. Exit 0 valid, 1 invalid (what failed is printed).',
  async run(ctx, [file], values) {
    const reader = chainAnchorReader(rpcOf(ctx.config, values), { requestTimeoutMs: 10_000 });
    try {
      if (values['log'] === true) {
        if (file !== undefined) throw usage('give either a receipt file or --log');
        const signer = loadSigningKeyFile(signingKeyPath(ctx.config));
        const v = await verifyLog({ dir: provenanceDir(ctx.config.dataDir), publicKey: signer.publicKey, readAnchor: reader.read });
        if (ctx.json) printJson(ctx.io, v);
        else if (v.valid) print(ctx.io, `valid: ${v.records} records, ${v.batches} batches (${v.anchoredBatches} anchored on chain), ${v.unbatched} not batched yet`);
        else print(ctx.io, `INVALID at record ${v.failure?.seq}${v.failure?.segment ? ` (${v.failure.segment})` : ''}: ${v.failure?.reason}`);
        return v.valid ? ExitCode.Ok : ExitCode.Failure;
      }
      if (file === undefined) throw usage('give a receipt file, or --log');
      let receipt: unknown;
      try {
        receipt = JSON.parse(readFileSync(file, 'utf8'));
      } catch (e) {
        throw new CliError('CLI_BAD_INPUT', `cannot read a receipt from ${file}: ${(e as Error).message}`, { cause: e });
      }
      const v = await verifyReceipt(receipt, reader.read);
      if (ctx.json) printJson(ctx.io, v);
      else {
        print(ctx.io, table([['check', 'result', 'detail'], ...v.checks.map((c) => [c.name, c.ok ? 'ok' : 'FAILED', c.detail])]));
        print(ctx.io, v.valid ? 'valid' : `INVALID: ${v.checks.filter((c) => !c.ok).map((c) => c.name).join(', ')} failed`);
      }
      return v.valid ? ExitCode.Ok : ExitCode.Failure;
    } finally {
      reader.close();
    }
  },
};

function rows(items: readonly ProvenanceRecord[]): string[][] {
  return [
    ['seq', 'time', 'tx', 'action', 'operation', 'sender', 'receiver', 'path', 'outcome', 'verdict'],
    ...items.map((r) => [String(r.seq), new Date(r.time).toISOString(), r.tx, r.action, r.operation, r.sender, r.receiver, r.path ?? '', r.outcome ?? '', r.valid ? 'valid' : `invalid: ${r.reason ?? ''}`]),
  ];
}

function printRecords(ctx: CommandContext, items: readonly ProvenanceRecord[]): void {
  if (ctx.json) printJson(ctx.io, { items });
  else {
    print(ctx.io, table(rows(items)));
    print(ctx.io, `${items.length} record(s)`);
  }
}

function timeOf(values: Values, name: string): number | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw usage(`--${name} must be an ISO date, got '${v}'`);
  return t;
}

async function withLog<T>(config: CliConfig, fn: (rec: ProvenanceRecorder) => Promise<T> | T): Promise<T> {
  const rec = await openLog(config);
  try {
    return await fn(rec);
  } finally {
    await rec.close();
  }
}

const list: Command = {
  name: 'provenance list',
  summary: 'Provenance records of the data dir, newest first',
  options: {
    endpoint: { type: 'string', help: 'only records to or from this endpoint' },
    tx: { type: 'string', help: 'only this transaction' },
    since: { type: 'string', help: 'at or after (ISO date)' },
    until: { type: 'string', help: 'at or before (ISO date)' },
    invalid: { type: 'boolean', help: 'only records refused by the validation' },
    ...PAGE_OPTIONS,
  },
  async run(ctx, _p, values) {
    const q = { endpoint: str(values, 'endpoint'), tx: str(values, 'tx'), since: timeOf(values, 'since'), until: timeOf(values, 'until'), invalidOnly: values['invalid'] === true, ...pageOf(values) };
    printRecords(ctx, await withLog(ctx.config, (rec) => rec.list(q).items));
    return ExitCode.Ok;
  },
};

const tx: Command = {
  name: 'provenance tx',
  summary: 'The causal chain of one transaction, in order',
  args: ['<id>'],
  async run(ctx, [id]) {
    const items = await withLog(ctx.config, (rec) => rec.transaction(id as string));
    if (items.length === 0) throw new CliError('CLI_FAILED', `no transaction ${id}`);
    printRecords(ctx, items);
    return ExitCode.Ok;
  },
};

function seqArg(v: string | undefined): number {
  const n = int({ seq: v }, 'seq');
  if (n === undefined || n < 1) throw usage('<seq> must be a record number (1 or more)');
  return n;
}

const show: Command = {
  name: 'provenance show',
  summary: 'One provenance record',
  args: ['<seq>'],
  async run(ctx, [s]) {
    const seq = seqArg(s);
    const r = await withLog(ctx.config, (rec) => rec.get(seq));
    if (!r) throw new CliError('CLI_FAILED', `no provenance record ${seq}`);
    printJson(ctx.io, r);
    return ExitCode.Ok;
  },
};

const receiptCommand: Command = {
  name: 'provenance receipt',
  summary: 'The receipt of one record (JSON, for `chainm2m verify`)',
  args: ['<seq>'],
  async run(ctx, [s]) {
    const seq = seqArg(s);
    return withLog(ctx.config, (rec) => {
      try {
        printJson(ctx.io, rec.receipt(seq));
        return ExitCode.Ok;
      } catch (e) {
        if (isProvenanceError(e, 'PROV_NOT_ANCHORED') || isProvenanceError(e, 'PROV_NOT_FOUND')) throw new CliError('CLI_FAILED', e.message, { cause: e });
        throw e;
      }
    });
  },
};

export const provenanceCommands: readonly Command[] = [verifyCommand, list, tx, show, receiptCommand];

import { chmod, readFile, writeFile } from 'node:fs/promises';
import { csvCell, endpointsFromCsv, ENDPOINT_CSV_COLUMNS, parsePsk, type EndpointCsv, type EndpointSecrets, type EndpointView, type NewEndpoint } from '@chainm2m/lwm2m-server';
import { CliError, ExitCode, usage } from '../CliError.js';
import type { Command } from '../Command.js';
import { int, pageOf, PAGE_OPTIONS, str } from '../options.js';
import { print, printJson, progress, table } from '../Io.js';

const KEY_OPTIONS = {
  psk: { type: 'string', help: 'server-account PSK as hex (generated when absent)' },
  'psk-text': { type: 'string', help: 'server-account PSK as text (libcoap -k style)' },
  'bs-psk': { type: 'string', help: 'bootstrap-account PSK as hex (generated when absent)' },
  'bs-psk-text': { type: 'string', help: 'bootstrap-account PSK as text' },
} as const;

function printSecrets(io: Parameters<Command['run']>[0]['io'], s: EndpointSecrets, verb: string): void {
  print(io, `${verb} ${s.endpoint}. Keys are shown once; they are stored on chain only sealed.`);
  print(io, table([
    ['account', 'identity', 'psk (hex)'],
    ['bootstrap', s.bsIdentity, s.bsPskHex],
    ['server', s.identity, s.pskHex],
  ]));
}

function viewRows(items: readonly EndpointView[]): string[][] {
  return [
    ['endpoint', 'server identity', 'bootstrap identity', 'lifetime', 'binding', 'clearance'],
    ...items.map((e) => [e.endpoint, e.server.identity, e.bootstrap.identity, String(e.server.lifetime), e.server.binding, String(e.clearance)]),
  ];
}

const add: Command = {
  name: 'endpoints add',
  summary: 'Register an LwM2M endpoint in the ClientStore (keys generated unless given)',
  args: ['<ep>'],
  options: {
    ...KEY_OPTIONS,
    identity: { type: 'string', help: 'server-account PSK identity (default: the endpoint name)' },
    'bs-identity': { type: 'string', help: 'bootstrap PSK identity (default: bs/<ep>)' },
    lifetime: { type: 'string', help: 'registration lifetime in seconds (default 300)' },
    clearance: { type: 'string', help: 'clearance level 0-255 (default 0)' },
  },
  async run(ctx, [ep], values) {
    const input: NewEndpoint = {
      endpoint: ep as string,
      psk: parsePsk({ hex: str(values, 'psk'), text: str(values, 'psk-text') }, { hex: '--psk', text: '--psk-text' }),
      bsPsk: parsePsk({ hex: str(values, 'bs-psk'), text: str(values, 'bs-psk-text') }, { hex: '--bs-psk', text: '--bs-psk-text' }),
      identity: str(values, 'identity'),
      bsIdentity: str(values, 'bs-identity'),
      lifetime: int(values, 'lifetime'),
      clearance: int(values, 'clearance'),
    };
    const { endpoints } = await ctx.management();
    endpoints.prepare(input); // validate before touching the chain
    const secrets = await endpoints.create(input);
    if (ctx.json) printJson(ctx.io, secrets);
    else printSecrets(ctx.io, secrets, 'Added');
    return ExitCode.Ok;
  },
};

const importCsv: Command = {
  name: 'endpoints import',
  summary: 'Register endpoints in bulk from a CSV file (batched transactions; safe to re-run)',
  args: ['<file.csv>'],
  details: [
    `Columns (header line required): ${ENDPOINT_CSV_COLUMNS.join(', ')}; only endpoint is required.`,
    'Generated keys are written to --keys-out (mode 0600), never to the terminal.',
  ].join('\n'),
  options: {
    'keys-out': { type: 'string', help: 'where to write the keys of the added endpoints (default <file>.keys.csv)' },
    batch: { type: 'string', help: 'endpoints per transaction (default 200)' },
  },
  async run(ctx, [file], values) {
    const path = file as string;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new CliError('CLI_BAD_INPUT', `cannot read ${path}: ${(err as Error).message}`);
    }
    let parsed: EndpointCsv;
    try {
      parsed = endpointsFromCsv(text);
    } catch (err) {
      throw usage(`${path}: ${(err as Error).message.replace(/^header: /, '')}`);
    }
    const { inputs, lines } = parsed;
    const failed = [...parsed.failed];
    const batchSize = int(values, 'batch') ?? 200;
    if (batchSize < 1) throw usage('--batch must be at least 1');
    const { endpoints } = await ctx.management();
    // Progress counts every line of the file, the ones refused before the chain included.
    const refused = parsed.failed.length;
    const bar = ctx.json ? undefined : progress(ctx.io, 'importing');
    const result = await endpoints.createMany(inputs, { batchSize, ...(bar ? { onProgress: (done: number, total: number) => bar(done + refused, total + refused) } : {}) });
    for (const f of result.failed) failed.push({ line: lines[f.index] ?? 0, endpoint: f.endpoint, reason: f.reason });
    failed.sort((a, b) => a.line - b.line);
    const keysOut = str(values, 'keys-out') ?? `${path}.keys.csv`;
    if (result.created.length > 0) {
      const rows = ['endpoint,identity,psk,bs_identity,bs_psk', ...result.created.map((s) => [s.endpoint, s.identity, s.pskHex, s.bsIdentity, s.bsPskHex].map(csvCell).join(','))];
      await writeFile(keysOut, `${rows.join('\n')}\n`, { mode: 0o600 });
      await chmod(keysOut, 0o600);
    }
    const summary = { added: result.created.length, skipped: result.skipped.length, failed, keysFile: result.created.length > 0 ? keysOut : undefined };
    if (ctx.json) printJson(ctx.io, summary);
    else {
      print(ctx.io, `Added ${summary.added}, already present ${summary.skipped}, failed ${failed.length}.`);
      if (summary.keysFile) print(ctx.io, `Keys of the added endpoints: ${summary.keysFile} (mode 0600).`);
      for (const f of failed) print(ctx.io, `  line ${f.line}${f.endpoint ? ` (${f.endpoint})` : ''}: ${f.reason}`);
    }
    return failed.length > 0 ? ExitCode.Failure : ExitCode.Ok;
  },
};

const list: Command = {
  name: 'endpoints list',
  summary: 'List registered endpoints (no keys)',
  options: PAGE_OPTIONS,
  async run(ctx, _p, values) {
    const { offset, limit } = pageOf(values);
    const { endpoints } = await ctx.management();
    const page = await endpoints.list(offset, limit);
    if (ctx.json) printJson(ctx.io, page);
    else {
      print(ctx.io, table(viewRows(page.items)));
      print(ctx.io, `${page.items.length} of ${page.total} endpoint(s)`);
    }
    return ExitCode.Ok;
  },
};

const show: Command = {
  name: 'endpoints show',
  summary: 'Show one endpoint (no keys)',
  args: ['<ep>'],
  async run(ctx, [ep]) {
    const { endpoints } = await ctx.management();
    const e = await endpoints.get(ep as string);
    if (ctx.json) printJson(ctx.io, e);
    else {
      print(ctx.io, table([
        ['endpoint', e.endpoint],
        ['bootstrap server', e.bootstrap.serverUri],
        ['bootstrap identity', e.bootstrap.identity],
        ['LwM2M server', e.server.serverUri],
        ['server identity', e.server.identity],
        ['short server id', String(e.server.shortServerId)],
        ['lifetime', `${e.server.lifetime} s`],
        ['binding', e.server.binding],
        ['clearance', String(e.clearance)],
        ['registrar', e.registrar],
        ['created', new Date(e.createdAt * 1000).toISOString()],
        ['updated', new Date(e.updatedAt * 1000).toISOString()],
      ]));
    }
    return ExitCode.Ok;
  },
};

const rotate: Command = {
  name: 'endpoints rotate',
  summary: 'Replace both keys of an endpoint (servers drop its sessions); new keys shown once',
  args: ['<ep>'],
  options: KEY_OPTIONS,
  async run(ctx, [ep], values) {
    const psk = parsePsk({ hex: str(values, 'psk'), text: str(values, 'psk-text') }, { hex: '--psk', text: '--psk-text' });
    const bsPsk = parsePsk({ hex: str(values, 'bs-psk'), text: str(values, 'bs-psk-text') }, { hex: '--bs-psk', text: '--bs-psk-text' });
    const { endpoints } = await ctx.management();
    const secrets = await endpoints.rotate(ep as string, { psk, bsPsk });
    if (ctx.json) printJson(ctx.io, secrets);
    else printSecrets(ctx.io, secrets, 'Rotated');
    return ExitCode.Ok;
  },
};

const remove: Command = {
  name: 'endpoints remove',
  summary: 'Remove an endpoint from the ClientStore',
  args: ['<ep>'],
  options: { compromised: { type: 'boolean', help: 'flag the device as compromised (recorded on chain)' } },
  async run(ctx, [ep], values) {
    const { endpoints } = await ctx.management();
    await endpoints.remove(ep as string, values['compromised'] === true);
    if (ctx.json) printJson(ctx.io, { removed: ep, compromised: values['compromised'] === true });
    else print(ctx.io, `Removed ${ep}${values['compromised'] === true ? ' (compromised)' : ''}.`);
    return ExitCode.Ok;
  },
};

export const endpointCommands: readonly Command[] = [add, importCsv, list, show, rotate, remove];

import type { AnomalyRecord, AppendResult } from '@chainm2m/lwm2m';
import { CliError, ExitCode, usage } from '../CliError.js';
import type { Command } from '../Command.js';
import { print, printJson, table } from '../Io.js';
import { pageOf, PAGE_OPTIONS } from '../options.js';
import { openOfflineAnomalyLog } from '../stack/chain.js';

/** Unix seconds from `1700000000`, an ISO date, or a relative `15m` / `2h` / `7d` (ago). */
export function parseTime(value: string, name: string, nowSec: number): number {
  if (/^\d+$/.test(value)) return Number(value);
  const rel = /^(\d+)([smhd])$/.exec(value);
  if (rel) return nowSec - Number(rel[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[rel[2] as 's' | 'm' | 'h' | 'd'];
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw usage(`--${name} must be Unix seconds, an ISO date or a duration like 2h, got '${value}'`);
  return Math.floor(ms / 1000);
}

function rows(items: readonly AnomalyRecord[]): string[][] {
  return [
    ['id', 'endpoint', 'collected', 'severity', 'kind', 'value'],
    ...items.map((a) => [String(a.id), a.endpoint, new Date(a.collectedAt * 1000).toISOString(), String(a.severity), a.kind, a.value]),
  ];
}

const list: Command = {
  name: 'anomalies list',
  summary: 'List anomalies from the AnomalyStore',
  options: {
    endpoint: { type: 'string', help: 'only this endpoint' },
    since: { type: 'string', help: 'collected at or after (Unix s, ISO date, or 15m/2h/7d ago)' },
    until: { type: 'string', help: 'collected at or before' },
    ...PAGE_OPTIONS,
  },
  async run(ctx, _p, values) {
    const now = Math.floor(Date.now() / 1000);
    const from = typeof values['since'] === 'string' ? parseTime(values['since'], 'since', now) : undefined;
    const to = typeof values['until'] === 'string' ? parseTime(values['until'], 'until', now) : undefined;
    const { anomalies } = await ctx.management();
    const page = await anomalies.query({
      endpoint: typeof values['endpoint'] === 'string' ? values['endpoint'] : undefined,
      from,
      to,
      ...pageOf(values),
    });
    if (ctx.json) printJson(ctx.io, page);
    else {
      print(ctx.io, table(rows(page.items)));
      print(ctx.io, `${page.items.length}${page.total !== undefined ? ` of ${page.total}` : ''} anomaly record(s)`);
    }
    return ExitCode.Ok;
  },
};

const add: Command = {
  name: 'anomalies add',
  summary: 'Append an anomaly record (kept in the outbox if the chain is down)',
  args: ['<ep>'],
  options: {
    kind: { type: 'string', help: 'kind, e.g. temperature-out-of-range (required)' },
    severity: { type: 'string', help: '0-255 (required)' },
    value: { type: 'string', help: 'value or description' },
    'collected-at': { type: 'string', help: 'when the data was collected (default now)' },
  },
  async run(ctx, [ep], values) {
    if (typeof values['kind'] !== 'string' || values['kind'] === '') throw usage('--kind is required');
    const severity = Number(values['severity']);
    if (typeof values['severity'] !== 'string' || !Number.isInteger(severity) || severity < 0 || severity > 255) throw usage('--severity must be an integer from 0 to 255');
    const now = Math.floor(Date.now() / 1000);
    const collectedAt = typeof values['collected-at'] === 'string' ? parseTime(values['collected-at'], 'collected-at', now) : now;
    const record = { endpoint: ep as string, collectedAt, severity, kind: values['kind'], value: typeof values['value'] === 'string' ? values['value'] : '' };
    let result: AppendResult;
    try {
      result = await (await ctx.management()).anomalies.append(record);
    } catch (e) {
      if (!(e instanceof CliError && e.code === 'CLI_CHAIN_UNREACHABLE')) throw e;
      // The chain is down: keep the record in the outbox (or up's spool) for when it is back.
      const offline = await openOfflineAnomalyLog(ctx.config);
      try {
        result = await offline.log.append(record);
      } finally {
        await offline.close();
      }
    }
    if (ctx.json) printJson(ctx.io, result);
    else print(ctx.io, result.committed ? `Recorded anomaly #${result.id} for ${ep}.` : `The chain is unreachable: the anomaly for ${ep} is kept in the outbox and will be sent when it is back.`);
    return ExitCode.Ok;
  },
};

export const anomalyCommands: readonly Command[] = [list, add];

import { deriveSimCredentials, formatSimulationProgress, formatSimulationSummary, runSimulation, type SimulationResult } from '@chainm2m/client-sim';
import type { EndpointService } from '@chainm2m/lwm2m-server';
import { ExitCode, usage } from '../CliError.js';
import type { Command, CommandContext } from '../Command.js';
import { printJson } from '../Io.js';

export interface SimRun {
  readonly devices: number;
  readonly prefix: string;
  readonly bootstrapUri: string;
  readonly rate?: number | undefined;
  /** Register the endpoints (with the simulator's derived keys) before starting. */
  readonly provision: boolean;
  /** Keep the devices running (updates, device management) until `stop()`. */
  readonly keep: boolean;
  readonly endpoints?: EndpointService | undefined;
}

/** Runs the simulator with a live progress line; shared by `sim` and `up --sim`. */
export async function runSimulationCommand(ctx: CommandContext, run: SimRun): Promise<SimulationResult> {
  const endpoints = run.endpoints ?? (run.provision ? (await ctx.management()).endpoints : undefined);
  const tty = ctx.io.stderr.isTTY === true;
  let lastLine = '';
  const result = await runSimulation({
    devices: run.devices,
    prefix: run.prefix,
    bootstrapUri: run.bootstrapUri,
    ...(run.rate !== undefined ? { rate: run.rate } : {}),
    keepRunning: run.keep,
    ...(run.provision && endpoints
      ? {
          provision: async (eps: readonly string[]) => {
            const r = await endpoints.createMany(
              eps.map((ep) => {
                const c = deriveSimCredentials(ep);
                return { endpoint: ep, identity: c.server.identity, psk: c.server.key, bsIdentity: c.bootstrap.identity, bsPsk: c.bootstrap.key };
              }),
            );
            if (r.failed.length > 0) ctx.io.stderr.write(`provisioning: ${r.failed.length} endpoint(s) failed, e.g. ${r.failed[0]?.endpoint}: ${r.failed[0]?.reason}\n`);
          },
        }
      : {}),
    onProgress: (p) => {
      if (ctx.json) return;
      const line = formatSimulationProgress(p);
      if (tty) ctx.io.stderr.write(`\r${line}${p.done ? '\n' : ''}`);
      else if (line !== lastLine && (p.done || p.elapsedMs % 5000 < 600)) ctx.io.stderr.write(`${line}\n`);
      lastLine = line;
    },
  });
  if (ctx.json) printJson(ctx.io, { ...result, devices: undefined });
  else ctx.io.stdout.write(`${formatSimulationSummary(result).join('\n')}\n`);
  return result;
}

export const sim: Command = {
  name: 'sim',
  summary: 'Simulate LwM2M devices: bootstrap over DTLS, register, answer reads/writes/executes/observes',
  details: 'Endpoints are <prefix>1..<prefix>N with keys derived from their names (simulation only): --provision registers them first.',
  options: {
    devices: { type: 'string', help: 'number of devices (required)' },
    prefix: { type: 'string', help: 'endpoint name prefix (default sim-)' },
    bootstrap: { type: 'string', help: 'bootstrap server URI (default coaps://127.0.0.1:<bs-port>)' },
    'bs-port': { type: 'string', help: 'bootstrap port for the default URI (default 5784)' },
    rate: { type: 'string', help: 'devices started per second (default: as fast as possible)' },
    provision: { type: 'boolean', help: 'register the endpoints in the ClientStore first (safe to repeat)' },
    keep: { type: 'boolean', help: 'keep the devices running until Ctrl-C (updates, device management)' },
  },
  async run(ctx, _p, values) {
    const devices = Number(values['devices']);
    if (typeof values['devices'] !== 'string' || !Number.isInteger(devices) || devices < 1) throw usage('--devices must be a positive number');
    const rate = typeof values['rate'] === 'string' ? Number(values['rate']) : undefined;
    if (rate !== undefined && !(rate > 0)) throw usage('--rate must be a positive number');
    const bootstrapUri = typeof values['bootstrap'] === 'string' ? values['bootstrap'] : `coaps://127.0.0.1:${ctx.config.bsPort}`;
    if (!/^coaps?:\/\/[^/]+:\d+$/.test(bootstrapUri)) throw usage(`--bootstrap must look like coaps://host:port, got '${bootstrapUri}'`);
    const result = await runSimulationCommand(ctx, {
      devices,
      prefix: typeof values['prefix'] === 'string' ? values['prefix'] : 'sim-',
      bootstrapUri,
      rate,
      provision: values['provision'] === true,
      keep: values['keep'] === true,
    });
    if (values['keep'] === true) {
      const signal = await ctx.io.untilSignal();
      ctx.io.stderr.write(`${signal}: de-registering the simulated devices\n`);
      await result.stop({ deregister: true });
    }
    return result.failed > 0 ? ExitCode.Failure : ExitCode.Ok;
  },
};

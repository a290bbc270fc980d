import { ExitCode, usage } from '../CliError.js';
import type { Command, Values } from '../Command.js';
import { DEFAULT_NOSEC_MAX_REGISTRATIONS } from '@chainm2m/lwm2m-server';
import { MODEL_OPTIONS, NETWORK_OPTIONS } from '../config.js';
import { print, printJson } from '../Io.js';
import { ALL_SERVICES, startStack, type NoSecStackOptions, type ServiceName } from '../stack/startStack.js';
import { trustWindowSeconds } from '../stack/trust.js';
import { runSimulationCommand } from './sim.js';
import { int, str } from '../options.js';

/** `--nosec` and its limits; the refinements without `--nosec` are a usage error. */
function noSecOptions(values: Values): NoSecStackOptions | undefined {
  const endpoints = (str(values, 'nosec-endpoints') ?? '').split(',').map((e) => e.trim()).filter((e) => e !== '');
  const open = values['nosec-open'] === true;
  const max = int(values, 'nosec-max');
  if (values['nosec'] !== true) {
    if (endpoints.length > 0 || open || max !== undefined) throw usage('--nosec-endpoints, --nosec-open and --nosec-max need --nosec');
    return undefined;
  }
  if (max === 0) throw usage('--nosec-max must be at least 1');
  return { open, endpoints, ...(max !== undefined ? { maxRegistrations: max } : {}) };
}

export const up: Command = {
  name: 'up',
  summary: 'Start the whole stack: dev chain (unless CHAIN_RPC_URL), contracts, bootstrap server, LwM2M server, REST API',
  details: [
    'With no CHAIN_RPC_URL, an embedded dev chain (anvil) keeps its state in the data directory, so a',
    'second `up` resumes with every endpoint, user and anomaly. The first run creates the sealing key',
    'and an `admin` user (password from CHAINM2M_ADMIN_PASSWORD, else generated and printed once).',
    'Ctrl-C stops everything cleanly.',
  ].join('\n'),
  options: {
    ...NETWORK_OPTIONS,
    ...MODEL_OPTIONS,
    sim: { type: 'string', help: 'also run N simulated devices (provisioned as sim-1..sim-N)' },
    services: { type: 'string', help: `which servers to run (default ${ALL_SERVICES.join(',')})` },
    nosec: { type: 'boolean', help: 'also listen on plain CoAP (5783/5683): for lab use only' },
    'nosec-endpoints': { type: 'string', help: 'endpoints (comma-separated, without credentials) allowed to register over plain CoAP' },
    'nosec-open': { type: 'boolean', help: 'let any endpoint without credentials register over plain CoAP (lab only)' },
    'nosec-max': { type: 'string', help: `plain-CoAP registrations held at once (default ${DEFAULT_NOSEC_MAX_REGISTRATIONS})` },
    'trust-window': { type: 'string', help: 'trust evidence window in seconds: one evaluation per device per window (env CHAINM2M_TRUST_WINDOW, default 600)' },
  },
  async run(ctx, _p, values) {
    const services = (typeof values['services'] === 'string' ? values['services'].split(',') : [...ALL_SERVICES]).map((s) => s.trim());
    const unknown = services.filter((s) => !(ALL_SERVICES as readonly string[]).includes(s));
    if (unknown.length > 0) throw usage(`--services: unknown ${unknown.join(', ')}; known: ${ALL_SERVICES.join(', ')}`);
    const simDevices = typeof values['sim'] === 'string' ? Number(values['sim']) : 0;
    if (!Number.isInteger(simDevices) || simDevices < 0) throw usage('--sim must be a number of devices');
    const log = (line: string): void => {
      if (!ctx.json) print(ctx.io, line);
    };
    log(`chainm2m up: data in ${ctx.config.dataDir}`);
    const nosec = noSecOptions(values);
    if (nosec && !nosec.open && nosec.endpoints.length === 0) {
      log('warning        --nosec without --nosec-endpoints or --nosec-open: no device may register over plain CoAP');
    }
    const trustWindow = trustWindowSeconds(values['trust-window'], ctx.io.env);
    // Armed before anything starts: a Ctrl-C during start-up stops what has started once it is up.
    const stopSignal = ctx.io.untilSignal();
    const stack = await startStack({ config: ctx.config, env: ctx.io.env, services: services as ServiceName[], ...(nosec ? { nosec } : {}), log, trustWindowSeconds: trustWindow });
    try {
      if (stack.adminCreated) {
        if (stack.generatedAdminPassword !== undefined) {
          log(`admin user     created; password (shown once): ${stack.generatedAdminPassword}`);
        } else log('admin user     created with the password from CHAINM2M_ADMIN_PASSWORD');
      }
      if (ctx.json) {
        printJson(ctx.io, {
          dataDir: ctx.config.dataDir,
          chainRpcUrl: stack.chainRpcUrl,
          embeddedChain: stack.embeddedChain,
          contracts: stack.contracts,
          ports: stack.ports,
          ...(stack.generatedAdminPassword !== undefined ? { adminPassword: stack.generatedAdminPassword } : {}),
        });
      }
      log('ready          (Ctrl-C to stop)');
      let simStop: (() => Promise<void>) | undefined;
      if (simDevices > 0 && stack.ports.bootstrap !== undefined) {
        const host = ctx.config.host === '0.0.0.0' ? '127.0.0.1' : ctx.config.host;
        const sim = await runSimulationCommand(ctx, {
          devices: simDevices,
          prefix: 'sim-',
          bootstrapUri: `coaps://${host}:${stack.ports.bootstrap}`,
          provision: true,
          keep: true,
          endpoints: stack.endpoints,
        });
        simStop = sim.stop;
      }
      const signal = await stopSignal;
      log(`\n${signal}: stopping`);
      await simStop?.();
    } finally {
      await stack.stop();
    }
    log('stopped');
    return ExitCode.Ok;
  },
};

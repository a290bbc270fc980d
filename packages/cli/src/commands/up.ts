import { ExitCode, usage } from '../CliError.js';
import type { Command } from '../Command.js';
import { MODEL_OPTIONS, NETWORK_OPTIONS } from '../config.js';
import { print, printJson } from '../Io.js';
import { ALL_SERVICES, startStack, type ServiceName } from '../stack/startStack.js';
import { runSimulationCommand } from './sim.js';

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
    const stack = await startStack({ config: ctx.config, env: ctx.io.env, services: services as ServiceName[], nosec: values['nosec'] === true, log });
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
      const signal = await ctx.io.untilSignal();
      log(`\n${signal}: stopping`);
      await simStop?.();
    } finally {
      await stack.stop();
    }
    log('stopped');
    return ExitCode.Ok;
  },
};

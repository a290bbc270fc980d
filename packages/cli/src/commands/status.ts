import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { connectChain, deploy, readDeployment } from '@chainm2m/chain-adapter';
import { ExitCode } from '../CliError.js';
import type { Command } from '../Command.js';
import { print, printJson, table } from '../Io.js';
import { chainRpcUrlFor, readRuntime, signerKeyFor } from '../stack/chain.js';
import { readBootstrapFailures } from '../stack/bootstrapFailures.js';
import { redactUrl } from '../stack/startStack.js';

function tcpOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** A UDP port is "in use" when we cannot bind it ourselves (the server holds it). */
function udpBound(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(true));
    s.bind(port, host === '0.0.0.0' ? '127.0.0.1' : host, () => s.close(() => resolve(false)));
  });
}

export const status: Command = {
  name: 'status',
  summary: 'Chain, contracts, record counts and which servers are reachable',
  async run(ctx) {
    const { config } = ctx;
    const { rpcUrl, embedded } = chainRpcUrlFor(config);
    const deployment = readDeployment(config.dataDir);
    const runtime = readRuntime(config.dataDir);
    const report: Record<string, unknown> = { dataDir: config.dataDir, chain: { rpcUrl: redactUrl(rpcUrl), embedded, reachable: false } };
    let healthy = true;
    if (deployment) {
      report['contracts'] = deployment.addresses;
      report['deployedAt'] = { chainId: deployment.chainId, block: deployment.block };
      try {
        const conn = await connectChain({ rpcUrl, deployment, requestTimeoutMs: 3_000 });
        try {
          const [clients, users, anomalies, block] = await Promise.all([
            conn.call('ClientStore', 'clientCount', []),
            conn.call('UserStore', 'userCount', []),
            conn.call('AnomalyStore', 'anomalyCount', []),
            conn.blockNumber(),
          ]);
          report['chain'] = { rpcUrl: redactUrl(rpcUrl), embedded, reachable: true, block };
          report['counts'] = { endpoints: Number(clients[0]), users: Number(users[0]), anomalies: Number(anomalies[0]) };
        } finally {
          conn.close();
        }
      } catch (err) {
        healthy = false;
        report['chain'] = { rpcUrl: redactUrl(rpcUrl), embedded, reachable: false, error: (err as Error).message };
      }
    } else {
      healthy = false;
      report['contracts'] = null;
    }
    const host = runtime?.host ?? config.host;
    const probeHost = host === '0.0.0.0' ? '127.0.0.1' : host;
    const ports = runtime?.ports ?? { bootstrap: config.bsPort, coaps: config.coapPort, api: config.apiPort, chain: config.chainPort };
    report['running'] = runtime ? { pid: runtime.pid, since: runtime.startedAt } : null;
    report['ports'] = ports;
    report['listening'] = {
      bootstrap: ports.bootstrap !== undefined ? await udpBound(probeHost, ports.bootstrap) : false,
      coaps: ports.coaps !== undefined ? await udpBound(probeHost, ports.coaps) : false,
      api: ports.api !== undefined ? await tcpOpen(probeHost, ports.api) : false,
    };
    // Failed bootstraps of the running `up` (or, marked, of the last one).
    const failures = readBootstrapFailures(config.dataDir);
    const failuresOfRun = failures ? { total: failures.total, last: failures.last.slice(-5), current: runtime?.pid === failures.pid } : undefined;
    if (failuresOfRun) report['bootstrapFailures'] = failuresOfRun;
    if (ctx.json) printJson(ctx.io, report);
    else {
      const chain = report['chain'] as { reachable: boolean; block?: number; error?: string };
      const counts = report['counts'] as { endpoints: number; users: number; anomalies: number } | undefined;
      const listening = report['listening'] as Record<string, boolean>;
      print(ctx.io, table([
        ['data dir', config.dataDir],
        ['chain', `${redactUrl(rpcUrl)} ${embedded ? '(embedded dev chain)' : ''} ${chain.reachable ? `reachable, block ${chain.block}` : `UNREACHABLE${chain.error ? ` (${chain.error})` : ''}`}`],
        ['contracts', deployment ? Object.entries(deployment.addresses).map(([k, v]) => `${k} ${v}`).join(', ') : 'not deployed'],
        ['records', counts ? `${counts.endpoints} endpoints, ${counts.users} users, ${counts.anomalies} anomalies` : '-'],
        ['running', runtime ? `pid ${runtime.pid} since ${runtime.startedAt}` : 'no chainm2m up found'],
        ['bootstrap', `udp ${ports.bootstrap ?? '-'} ${listening['bootstrap'] ? 'listening' : 'not listening'}`],
        ['LwM2M server', `udp ${ports.coaps ?? '-'} ${listening['coaps'] ? 'listening' : 'not listening'}`],
        ['REST API', `tcp ${ports.api ?? '-'} ${listening['api'] ? 'listening' : 'not listening'}`],
        ...(failuresOfRun
          ? [
              ['bootstrap failures', `${failuresOfRun.total} since ${failuresOfRun.current ? 'start' : 'the start of the last run (not running now)'}`] as [string, string],
              ...failuresOfRun.last.map((f): [string, string] => ['', `${f.at} ${f.endpoint} ${f.step ?? '-'} ${f.code ?? ''} ${f.reason}`.replace(/\s+/g, ' ')]),
            ]
          : []),
      ]));
    }
    return healthy ? ExitCode.Ok : ExitCode.Failure;
  },
};

export const deployCommand: Command = {
  name: 'deploy',
  summary: 'Deploy the contracts to the chain named by CHAIN_RPC_URL (once; the deployment file is reused)',
  options: { force: { type: 'boolean', help: 'deploy again even if a deployment exists' } },
  async run(ctx, _p, values) {
    const { rpcUrl, embedded } = chainRpcUrlFor(ctx.config);
    const result = await deploy({ rpcUrl, privateKey: signerKeyFor(ctx.config, embedded), dataDir: ctx.config.dataDir, force: values['force'] === true });
    if (ctx.json) printJson(ctx.io, { reused: result.reused, path: result.path, ...result.deployment });
    else {
      print(ctx.io, `${result.reused ? 'Reused the deployment' : 'Deployed'} on chain ${result.deployment.chainId} (${result.path}):`);
      for (const [name, address] of Object.entries(result.deployment.addresses)) print(ctx.io, `  ${name.padEnd(13)} ${address}`);
    }
    return ExitCode.Ok;
  },
};

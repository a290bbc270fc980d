import { parseArgs } from 'node:util';
import { CliError, ExitCode, usage } from './CliError.js';
import type { Command, CommandContext, Management, OptionSpec } from './Command.js';
import { GLOBAL_OPTIONS, loadConfig, type CliConfig } from './config.js';
import type { Io } from './Io.js';

export interface RunDeps {
  readonly commands: readonly Command[];
  /** Opens the chain-backed services for management commands. */
  readonly openManagement: (config: CliConfig, io: Io) => Promise<Management>;
}

function optionHelp(options: Readonly<Record<string, OptionSpec>>): string[] {
  return Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ' <value>' : ''}`;
    return `  ${flag.padEnd(30)} ${o.help}`;
  });
}

export function commandHelp(cmd: Command): string {
  const args = (cmd.args ?? []).join(' ');
  return [
    `Usage: chainm2m ${cmd.name}${args ? ` ${args}` : ''} [options]`,
    '',
    cmd.summary,
    ...(cmd.details ? ['', cmd.details] : []),
    '',
    'Options:',
    ...optionHelp({ ...(cmd.options ?? {}), ...GLOBAL_OPTIONS }),
    '',
  ].join('\n');
}

export function mainHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    'chainm2m: LwM2M bootstrap and device-management servers with credentials and audit on Ethereum',
    '',
    'Usage: chainm2m <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Run `chainm2m <command> --help` for the options of a command.',
    'Exit codes: 0 ok, 1 failure, 2 usage error.',
    '',
  ].join('\n');
}

/** Finds the longest command name matching the start of argv (`endpoints add` before `endpoints`). */
function findCommand(commands: readonly Command[], argv: readonly string[]): { cmd: Command; rest: string[] } | undefined {
  let best: { cmd: Command; rest: string[] } | undefined;
  for (const cmd of commands) {
    const words = cmd.name.split(' ');
    if (words.every((w, i) => argv[i] === w) && (!best || words.length > best.cmd.name.split(' ').length)) {
      best = { cmd, rest: argv.slice(words.length) };
    }
  }
  return best;
}

/** Runs one CLI invocation and returns its exit code. Never throws. */
export async function run(argv: readonly string[], io: Io, deps: RunDeps): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout.write(mainHelp(deps.commands));
    return argv.length === 0 ? ExitCode.Usage : ExitCode.Ok;
  }
  const found = findCommand(deps.commands, argv);
  if (!found) {
    const group = deps.commands.filter((c) => c.name.startsWith(`${argv[0]} `));
    if (group.length > 0 && (argv.length === 1 || argv[1] === '--help' || argv[1] === '-h')) {
      io.stdout.write(mainHelp(group));
      return argv.length === 1 ? ExitCode.Usage : ExitCode.Ok;
    }
    io.stderr.write(`chainm2m: unknown command '${argv.slice(0, group.length > 0 ? 2 : 1).join(' ')}'. Run 'chainm2m --help'.\n`);
    return ExitCode.Usage;
  }
  const { cmd, rest } = found;
  let management: Management | undefined;
  try {
    const parsed = parseArgs({
      args: rest,
      options: { ...(cmd.options ?? {}), ...GLOBAL_OPTIONS },
      allowPositionals: true,
      strict: true,
    });
    if (parsed.values.help) {
      io.stdout.write(commandHelp(cmd));
      return ExitCode.Ok;
    }
    const required = (cmd.args ?? []).filter((a) => a.startsWith('<'));
    if (parsed.positionals.length < required.length) throw usage(`missing ${required.slice(parsed.positionals.length).join(' ')}; see 'chainm2m ${cmd.name} --help'`);
    if (parsed.positionals.length > (cmd.args ?? []).length) throw usage(`unexpected argument '${parsed.positionals[(cmd.args ?? []).length]}'`);
    const config = loadConfig(parsed.values, io.env);
    const ctx: CommandContext = {
      io,
      config,
      json: parsed.values.json === true,
      management: async () => (management ??= await deps.openManagement(config, io)),
    };
    return await cmd.run(ctx, parsed.positionals, parsed.values);
  } catch (err) {
    return reportError(io, cmd, err);
  } finally {
    await management?.close().catch(() => undefined);
  }
}

function reportError(io: Io, cmd: Command, err: unknown): number {
  if (err instanceof CliError) {
    io.stderr.write(`chainm2m ${cmd.name}: ${err.message}\n`);
    return err.exitCode;
  }
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')) {
    io.stderr.write(`chainm2m ${cmd.name}: ${String(e.message)}; see 'chainm2m ${cmd.name} --help'\n`);
    return ExitCode.Usage;
  }
  if (typeof e?.code === 'string' && /BAD_REQUEST|INVALID|BAD_INPUT/.test(e.code)) {
    io.stderr.write(`chainm2m ${cmd.name}: ${String(e.message)}\n`);
    return ExitCode.Usage;
  }
  const message = typeof e?.message === 'string' ? e.message : String(err);
  io.stderr.write(`chainm2m ${cmd.name}: ${message}\n`);
  return ExitCode.Failure;
}

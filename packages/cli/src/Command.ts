import type { AnomalyLog } from '@chainm2m/lwm2m';
import type { EndpointService, UserService } from '@chainm2m/lwm2m-server';
import type { Io } from './Io.js';
import type { CliConfig } from './config.js';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly help: string;
  readonly short?: string;
}

/** What management commands work with: the same services the REST API calls. */
export interface Management {
  readonly endpoints: EndpointService;
  readonly users: UserService;
  readonly anomalies: AnomalyLog;
  close(): Promise<void>;
}

export interface CommandContext {
  readonly io: Io;
  readonly config: CliConfig;
  readonly json: boolean;
  /** Opens the chain-backed services (connecting on first use). */
  management(): Promise<Management>;
}

export type Values = Readonly<Record<string, string | boolean | undefined>>;

export interface Command {
  /** e.g. `endpoints add` */
  readonly name: string;
  readonly summary: string;
  /** Positional arguments, `<required>` or `[optional]`. */
  readonly args?: readonly string[];
  readonly options?: Readonly<Record<string, OptionSpec>>;
  readonly details?: string;
  run(ctx: CommandContext, positionals: readonly string[], values: Values): Promise<number>;
}

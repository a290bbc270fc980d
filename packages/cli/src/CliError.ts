import { Lwm2mError } from '@chainm2m/lwm2m';

/** Exit codes: 0 ok, 1 failure, 2 usage. */
export const ExitCode = { Ok: 0, Failure: 1, Usage: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The CLI's one error class: `CLI_USAGE` exits 2, everything else 1. */
export class CliError extends Lwm2mError {
  constructor(
    code: 'CLI_USAGE' | 'CLI_FAILED' | 'CLI_CHAIN_UNREACHABLE' | 'CLI_NOT_DEPLOYED' | 'CLI_BAD_INPUT',
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(code, message, options);
  }

  get exitCode(): ExitCode {
    return this.code === 'CLI_USAGE' ? ExitCode.Usage : ExitCode.Failure;
  }
}

export function usage(message: string): CliError {
  return new CliError('CLI_USAGE', message);
}

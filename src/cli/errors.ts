/** The CLI's two kinds of failure, which end a run with different exit codes. */

/** The caller used the CLI wrongly (bad flag value, missing argument): exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A command failed for a reason the operator can act on: exit code 1. `lines` add detail below the message. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly lines: string[] = [],
    /** What `--json` prints on stdout instead of the text. */
    readonly json?: unknown,
  ) {
    super(message);
  }
}

/**
 * Shared helpers for the thin CLI entry points (server, client, scenario, bench ...), built on
 * node:util parseArgs. Validators throw OptionError with a one-line message; `withUsage` turns
 * that (and parseArgs' own errors) into one clear line on stderr, a usage hint and exit code 2.
 */

/** What a command says about itself when the user gets it wrong. */
export interface CommandInfo {
  /** The command's name, the prefix of every error line: `chatmsg-server`. */
  name: string;
  /** The synopsis after the name: `<port> [options]`. */
  usage: string;
}

/** Exit code for a bad command line (the shell's convention for misuse, and the lab's CLI contract). */
export const USAGE_EXIT_CODE = 2;

/** A bad option or argument; its message is one line, shown to the user as is. */
export class OptionError extends Error {
  override name = 'OptionError';
}

const DIGITS = /^\d+$/;
const DECIMAL = /^\d+(\.\d+)?$/;

/**
 * A TCP port: 1-65535, or 0 when `allowZero` (the OS picks an ephemeral port).
 * `what` names the value in the error message.
 */
export function parsePort(value: string | undefined, what = 'port', { allowZero = false } = {}): number {
  const low = allowZero ? 0 : 1;
  if (value === undefined) throw new OptionError(`missing ${what}`);
  const port = DIGITS.test(value) ? Number(value) : Number.NaN;
  if (!(port >= low && port <= 65535)) {
    throw new OptionError(`bad ${what} ${JSON.stringify(value)}: expected an integer ${low}-65535`);
  }
  return port;
}

/** An integer >= `min` (no signs, no exponents, no silent truncation of `2.5`). */
export function parseIntegerAtLeast(value: string, what: string, min: number): number {
  const n = DIGITS.test(value) ? Number(value) : Number.NaN;
  if (!(Number.isSafeInteger(n) && n >= min)) {
    throw new OptionError(`bad ${what} ${JSON.stringify(value)}: expected an integer >= ${min}`);
  }
  return n;
}

/** An integer >= 1. */
export function parsePositiveInteger(value: string, what: string): number {
  return parseIntegerAtLeast(value, what, 1);
}

/**
 * A plain decimal number such as `0`, `30` or `0.5`, >= 0, or > 0 when `positive`.
 * Signs, exponents, `Infinity` and empty strings are refused.
 */
export function parseDecimal(value: string, what: string, { positive = false } = {}): number {
  const n = DECIMAL.test(value) ? Number(value) : Number.NaN;
  if (!(Number.isFinite(n) && (positive ? n > 0 : n >= 0))) {
    throw new OptionError(`bad ${what} ${JSON.stringify(value)}: expected a number ${positive ? '>' : '>='} 0`);
  }
  return n;
}

/** A decimal number >= 0. */
export function parseNonNegativeNumber(value: string, what: string): number {
  return parseDecimal(value, what);
}

/** A decimal number > 0. */
export function parsePositiveNumber(value: string, what: string): number {
  return parseDecimal(value, what, { positive: true });
}

/** `1k,2k,5.5k,1M`: rates per second, each positive and higher than the one before. */
export function parseRates(value: string, what: string): number[] {
  const rates = value.split(',').map((item) => {
    const match = /^(\d+(?:\.\d+)?)([kM]?)$/.exec(item);
    const rate = match ? Number(match[1]) * (match[2] === 'k' ? 1000 : match[2] === 'M' ? 1_000_000 : 1) : Number.NaN;
    if (!Number.isInteger(rate) || rate <= 0) {
      throw new OptionError(`bad ${what} rate ${JSON.stringify(item)}: expected a whole number per second such as 500, 2k or 1.5M`);
    }
    return rate;
  });
  for (let i = 1; i < rates.length; i++) {
    if (rates[i]! <= rates[i - 1]!) throw new OptionError(`bad ${what} ${JSON.stringify(value)}: rates must rise`);
  }
  return rates;
}

/** `parse(value)` for an option that was given, `fallback` for one that was not. */
export function orDefault<T>(value: string | undefined, fallback: T, parse: (value: string) => T): T {
  return value === undefined ? fallback : parse(value);
}

/** Prints `<name>: <message>` and a usage hint on stderr, then exits with code 2. */
export function usageError(command: CommandInfo, message: string): never {
  process.stderr.write(`${command.name}: ${message}\nusage: ${command.name} ${command.usage} (see --help)\n`);
  process.exit(USAGE_EXIT_CODE);
}

/** parseArgs' own errors (unknown option, missing value ...) carry codes like ERR_PARSE_ARGS_UNKNOWN_OPTION. */
function isParseArgsError(error: unknown): error is Error {
  return error instanceof Error && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
}

/** The first sentence of parseArgs' message: it goes on about `--` for unknown options. */
function firstSentence(message: string): string {
  const end = message.search(/\.\s/);
  return end === -1 ? message : message.slice(0, end);
}

/**
 * Runs `parse` (which calls parseArgs and the validators above) and turns any OptionError or
 * parseArgs error into `usageError`. Other errors are bugs and propagate.
 */
export function withUsage<T>(command: CommandInfo, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof OptionError) usageError(command, error.message);
    if (isParseArgsError(error)) usageError(command, firstSentence(error.message));
    throw error;
  }
}

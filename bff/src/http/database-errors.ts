import { ProblemError } from './problem.ts';

/** The SQLSTATE of a database error, through drizzle's wrapper and the driver's own. */
function sqlStateOf(err: unknown): string | undefined {
  for (let e: unknown = err, i = 0; e && typeof e === 'object' && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** The driver-level error code (postgres.js: CONNECTION_CLOSED…; Node: ECONNREFUSED…). */
function errnoOf(err: unknown): string | undefined {
  for (let e: unknown = err, i = 0; e && typeof e === 'object' && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && !/^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

/** Seconds a client should wait before retrying when the database is out of reach. */
export const DATABASE_RETRY_AFTER = 2;

/** True when the database could not be reached or dropped the connection: the request may simply be retried. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const state = sqlStateOf(err);
  if (state && (state.startsWith('08') || state === '57P01' || state === '57P02' || state === '57P03' || state === '53300')) return true;
  const errno = errnoOf(err);
  return errno !== undefined && CONNECTION_CODES.has(errno);
}

function messageOf(err: unknown): string {
  for (let e: unknown = err, i = 0; e && typeof e === 'object' && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    if (!(e as { cause?: unknown }).cause) return (e as { message?: string }).message ?? '';
  }
  return '';
}

/**
 * Database refusals that input caused, as the problem the client should have had from validation (the validators
 * catch these first; this is the net under them, so that no input ever becomes a 500).
 */
export function problemFromDatabase(err: unknown): ProblemError | null {
  const state = sqlStateOf(err);
  if (!state) return null;
  const message = messageOf(err);
  if (state === '22023' && /time zone/i.test(message)) {
    return new ProblemError(422, 'The time zone is not one the database knows.', [
      { path: 'tz', message: 'must be an IANA time zone such as Europe/Paris' },
    ]);
  }
  if (state === '22003') return new ProblemError(422, 'A number is outside the range the ledger can hold exactly.');
  if (
    state === '22021' ||
    state === '22P05' ||
    state === '22P02' ||
    state === '22007' ||
    state === '22008' ||
    state === '22025' ||
    state === '2200N'
  )
    return new ProblemError(422, 'A value in the request cannot be stored as given.');
  if (state === '54001') return new ProblemError(400, 'The request is nested too deeply.');
  if (state === '22001') return new ProblemError(422, 'A value in the request is too long.');
  return null;
}

/**
 * What an unexpected error may say in a log: drizzle's wrapper writes every query parameter (customers' emails
 * among them) into its message; keep the statement and the driver's own message, never the parameters.
 */
export function describeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { error: String(err) };
  const query = (err as { query?: unknown }).query;
  if (typeof query === 'string' && err.message.startsWith('Failed query:')) {
    const cause = (err as { cause?: unknown }).cause;
    return {
      error: cause instanceof Error ? cause.message : 'query failed',
      sqlstate: sqlStateOf(err),
      query: query.slice(0, 2000),
      // The stack starts with the message, parameters included: keep only the frames.
      stack: (err.stack ?? '')
        .split('\n')
        .filter((line) => /^\s+at /.test(line))
        .slice(0, 8)
        .join('\n'),
    };
  }
  return { error: err.stack ?? err.message };
}

import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { PROBLEM_CONTENT_TYPE, type FieldError, type Problem } from '@credyt/shared';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  429: 'Too many requests',
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
};

/** An error the client caused or can act on; `app.onError` answers it as problem+json. */
export class ProblemError extends HTTPException {
  constructor(
    readonly problemStatus: ContentfulStatusCode,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly problemType = 'about:blank',
    /** Extra response headers, e.g. `Retry-After` on a 429 or 503. */
    readonly headers?: Record<string, string>,
  ) {
    super(problemStatus, { message: detail });
  }
}

export const notFound = (what: string, path?: string) =>
  new ProblemError(
    404,
    `${what} was not found.`,
    path ? [{ path, message: `${what.replace(/^The /, '').toLowerCase()} not found` }] : undefined,
  );
export const unauthorized = (detail: string) => new ProblemError(401, detail);
export const invalid = (errors: FieldError[], detail = 'The request has invalid fields.') => new ProblemError(422, detail, errors);
export const conflict = (detail: string, errors?: FieldError[]) => new ProblemError(409, detail, errors);

function pathOf(path: readonly PropertyKey[]): string {
  return path.map((p) => String(p)).join('.') || '(body)';
}

export function fromZodError(error: z.ZodError, prefix: readonly PropertyKey[] = []): FieldError[] {
  return error.issues.map((issue) => ({ path: pathOf([...prefix, ...issue.path]), message: issue.message }));
}

export function problemBody(status: number, detail: string, errors?: FieldError[], type = 'about:blank'): Problem {
  return { type, title: TITLES[status] ?? 'Error', status, detail, ...(errors ? { errors } : {}) };
}

export function problemResponse(c: Context, status: ContentfulStatusCode, detail: string, errors?: FieldError[]) {
  return c.body(JSON.stringify(problemBody(status, detail, errors)), status, { 'content-type': PROBLEM_CONTENT_TYPE });
}

/** `app.onError`: every error becomes problem+json; unexpected ones are logged and never show a stack. */
export function onError(logError: (err: unknown, c: Context) => void) {
  return (err: Error, c: Context) => {
    if (err instanceof ProblemError) {
      return c.body(JSON.stringify(problemBody(err.problemStatus, err.detail, err.errors, err.problemType)), err.problemStatus, {
        ...err.headers,
        'content-type': PROBLEM_CONTENT_TYPE,
      });
    }
    if (err instanceof HTTPException) {
      const status = err.status as ContentfulStatusCode;
      return problemResponse(c, status, err.message || TITLES[status] || 'Error');
    }
    logError(err, c);
    return problemResponse(c, 500, 'Something went wrong on our side. It has been logged; please retry.');
  };
}

/**
 * Stripe's idempotent requests (https://docs.stripe.com/api/idempotent_requests): the first POST with an
 * `Idempotency-Key` stores its status and body once the endpoint starts executing; a retry with the same key
 * and parameters gets that stored answer back with `Idempotent-Replayed: true`, and a retry with other
 * parameters or on another endpoint is an `idempotency_error`. Keys are scoped to the API key.
 */
import type { MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ApiEnv } from './api.ts';
import { StripeApiError } from './errors.ts';
import type { FormValue } from './form.ts';

interface SavedResponse {
  endpoint: string;
  fingerprint: string;
  /** A second request arriving while the first still runs is refused, never executed twice. */
  running: boolean;
  status: ContentfulStatusCode;
  body: string;
  requestId: string;
}

/** The same parameters in any order give the same fingerprint. */
function fingerprint(value: FormValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(fingerprint).join(',')}]`;
  const members = Object.keys(value)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${fingerprint(value[key]!)}`);
  return `{${members.join(',')}}`;
}

export class IdempotencyKeys {
  private readonly saved = new Map<string, SavedResponse>();

  clear(): void {
    this.saved.clear();
  }

  middleware(): MiddlewareHandler<ApiEnv> {
    const saved = this.saved;
    return async function honorIdempotencyKey(c, next) {
      const key = c.req.header('idempotency-key');
      if (c.req.method !== 'POST' || !key) return next();
      if (key.length > 255) {
        throw new StripeApiError(400, {
          type: 'invalid_request_error',
          message: 'Invalid Idempotency-Key: keys can be at most 255 characters long.',
        });
      }
      const scope = `${c.var.apiKey} ${key}`;
      const endpoint = `${c.req.method} ${c.req.path}`;
      const params = fingerprint(c.var.params);
      const previous = saved.get(scope);
      if (previous?.running) {
        throw new StripeApiError(409, {
          type: 'idempotency_error',
          code: 'idempotency_key_in_use',
          message:
            'There is currently another in-progress request using this Idempotent Key (probably from a retry). Please retry this request later.',
        });
      }
      if (previous && previous.endpoint !== endpoint) {
        throw new StripeApiError(400, {
          type: 'idempotency_error',
          message: `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${previous.endpoint}' vs '${endpoint}'). Try using a key other than '${key}' if you meant to execute a different request.`,
        });
      }
      if (previous && previous.fingerprint !== params) {
        throw new StripeApiError(400, {
          type: 'idempotency_error',
          message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        });
      }
      if (previous) {
        return c.body(previous.body, previous.status, {
          'content-type': 'application/json',
          'idempotent-replayed': 'true',
          'original-request': previous.requestId,
        });
      }

      const entry: SavedResponse = { endpoint, fingerprint: params, running: true, status: 200, body: '', requestId: c.var.requestId };
      saved.set(scope, entry);
      await next();
      // Hono has already turned a thrown error into c.res and kept it in c.error. Stripe saves nothing for a
      // request that failed validation; an emulator crash is not saved either, so a retry can succeed.
      const executed = c.error instanceof StripeApiError ? !c.error.beforeExecution : c.error === undefined;
      if (!executed) {
        saved.delete(scope);
        return;
      }
      entry.status = c.res.status as ContentfulStatusCode;
      entry.body = await c.res.clone().text();
      entry.running = false;
    };
  }
}

import type { PaymentIntent, PaymentMethod } from './objects.ts';

export type StripeErrorType = 'api_error' | 'authentication_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

/** The `error` member of Stripe's error responses (https://docs.stripe.com/api/errors). */
export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  charge?: string;
  doc_url?: string;
  payment_intent?: PaymentIntent;
  payment_method?: PaymentMethod;
}

export type StripeErrorStatus = 400 | 401 | 402 | 404 | 409 | 500;

export class StripeApiError extends Error {
  constructor(
    readonly status: StripeErrorStatus,
    readonly body: StripeErrorBody,
    /**
     * Stripe saves an idempotent result only once the endpoint began executing; a request that failed
     * parameter validation may be retried under the same key with corrected parameters.
     */
    readonly beforeExecution = false,
  ) {
    super(body.message);
  }
}

export function invalidRequest(message: string, extra: { code?: string; param?: string } = {}): StripeApiError {
  return new StripeApiError(400, { type: 'invalid_request_error', message, ...extra });
}

/** An unknown id in the URL path: 404. */
export function noSuchObject(kind: string, id: string): StripeApiError {
  return new StripeApiError(404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    param: 'id',
    message: `No such ${kind}: '${id}'`,
  });
}

/** An unknown id passed as a parameter: Stripe answers 400, naming the parameter. */
export function noSuchReference(kind: string, id: string, param: string): StripeApiError {
  return new StripeApiError(
    400,
    { type: 'invalid_request_error', code: 'resource_missing', param, message: `No such ${kind}: '${id}'` },
    true,
  );
}

export function errorResponseBody(error: StripeApiError): { error: StripeErrorBody } {
  return { error: error.body };
}

/**
 * The `/v1` API the BFF's `stripe` client calls. Parameters are validated with zod; each schema lists the
 * parameters the emulator models, and any other parameter is refused as Stripe refuses a typo.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { StripeApiError, errorResponseBody, invalidRequest, noSuchObject } from './errors.ts';
import {
  formBoolean,
  formCurrency,
  formExpand,
  formInteger,
  formMetadata,
  listOf,
  parseForm,
  parseParams,
  type FormObject,
} from './form.ts';
import type { IdempotencyKeys } from './idempotency.ts';
import { newId, type StripeObject } from './objects.ts';
import type { Payments, RequestOrigin } from './payments.ts';
import type { Store } from './store.ts';

export interface ApiEnv {
  Variables: { params: FormObject; apiKey: string; requestId: string };
}

/** Failure injection, driven by the control switches. */
export interface ApiFaults {
  /** True when this request should fail with a 500 (counts down `failNext`). */
  takeFailure(): boolean;
  /** Resolves when the API may answer (never, while `hang` is on). */
  untilAnswering(): Promise<void>;
}

export interface ApiDeps {
  store: Store;
  payments: Payments;
  idempotency: IdempotencyKeys;
  faults: ApiFaults;
  apiVersion: string;
}

const url = z.url({ protocol: /^https?$/, error: 'Not a valid URL' });
const positiveInteger = formInteger.pipe(z.number().min(1));
const listLimit = formInteger.pipe(z.number().min(1).max(100));

const createCustomerParams = z.strictObject({
  email: z.string().optional(),
  name: z.string().optional(),
  phone: z.string().optional(),
  description: z.string().optional(),
  metadata: formMetadata.optional(),
  expand: formExpand,
});

const listParams = {
  limit: listLimit.optional(),
  starting_after: z.string().optional(),
  expand: formExpand,
};

const lineItemParams = z.strictObject({
  price_data: z.strictObject({
    currency: formCurrency,
    unit_amount: formInteger.pipe(z.number().min(0)),
    product_data: z.strictObject({
      name: z.string().min(1),
      description: z.string().optional(),
      metadata: formMetadata.optional(),
    }),
  }),
  quantity: positiveInteger,
});

const createCheckoutSessionParams = z.strictObject({
  mode: z.enum(['payment', 'setup'], { error: 'the emulator supports `payment` and `setup` mode' }),
  line_items: listOf(lineItemParams).optional(),
  currency: formCurrency.optional(),
  customer: z.string().optional(),
  customer_email: z.string().optional(),
  customer_creation: z.enum(['always', 'if_required']).optional(),
  success_url: url.optional(),
  cancel_url: url.optional(),
  client_reference_id: z.string().max(200).optional(),
  metadata: formMetadata.optional(),
  expires_at: formInteger.optional(),
  payment_intent_data: z
    .strictObject({
      setup_future_usage: z.enum(['on_session', 'off_session']).optional(),
      description: z.string().optional(),
      metadata: formMetadata.optional(),
    })
    .optional(),
  payment_method_types: listOf(z.literal('card')).optional(),
  locale: z.string().optional(),
  expand: formExpand,
});

const createPaymentIntentParams = z.strictObject({
  amount: positiveInteger,
  currency: formCurrency,
  customer: z.string().optional(),
  payment_method: z.string().optional(),
  confirm: formBoolean.optional(),
  // `one_off` and `recurring` are Stripe's finer-grained spellings of `true`.
  off_session: z.union([formBoolean, z.enum(['one_off', 'recurring']).transform(() => true)]).optional(),
  description: z.string().optional(),
  metadata: formMetadata.optional(),
  setup_future_usage: z.enum(['on_session', 'off_session']).optional(),
  payment_method_types: listOf(z.literal('card')).optional(),
  automatic_payment_methods: z.strictObject({ enabled: formBoolean, allow_redirects: z.enum(['always', 'never']).optional() }).optional(),
  expand: formExpand,
});

const retrieveParams = z.strictObject({ expand: formExpand });

/** Replaces ids with the objects they name along each `expand[]` path (`payment_intent.latest_charge`). */
function expandPath(target: Record<string, unknown>, path: string[], store: Store, fullPath: string): void {
  const [field, ...rest] = path;
  if (field === undefined) return;
  if (field === 'data' && target.object === 'list' && Array.isArray(target.data)) {
    for (const item of target.data as Record<string, unknown>[]) expandPath(item, rest, store, fullPath);
    return;
  }
  let value = target[field];
  if (typeof value === 'string') {
    const found = store.find(value);
    if (!found) throw invalidRequest(`This property cannot be expanded (${fullPath}).`, { param: 'expand' });
    value = target[field] = structuredClone(found);
  }
  if (value === null) return;
  if (typeof value !== 'object' || value === undefined) {
    throw invalidRequest(`This property cannot be expanded (${fullPath}).`, { param: 'expand' });
  }
  expandPath(value as Record<string, unknown>, rest, store, fullPath);
}

/** Stripe takes the key as a Bearer token, or as the Basic auth user name (`curl -u sk_test_…:`). */
function apiKeyOf(authorization: string): string | undefined {
  const [scheme, credentials] = authorization.split(' ', 2);
  if (!credentials) return undefined;
  if (scheme?.toLowerCase() === 'bearer') return credentials;
  if (scheme?.toLowerCase() === 'basic') return Buffer.from(credentials, 'base64').toString().split(':')[0] || undefined;
  return undefined;
}

/** Stripe's list envelope, newest first, paged with `limit` and `starting_after`. */
function list<T extends { id: string }>(
  items: T[],
  path: string,
  params: { limit?: number | undefined; starting_after?: string | undefined },
) {
  const newestFirst = [...items].reverse();
  const start = params.starting_after ? newestFirst.findIndex((item) => item.id === params.starting_after) + 1 : 0;
  const limit = params.limit ?? 10;
  const data = newestFirst.slice(start, start + limit);
  return { object: 'list' as const, data, has_more: start + limit < newestFirst.length, url: path };
}

export function createApi({ store, payments, idempotency, faults, apiVersion }: ApiDeps): Hono<ApiEnv> {
  const respond = (c: Context<ApiEnv>, body: StripeObject | ReturnType<typeof list<StripeObject>>, expand: string[] = []) => {
    const copy = structuredClone(body) as unknown as Record<string, unknown>;
    for (const path of expand) expandPath(copy, path.split('.'), store, path);
    return c.json(copy);
  };
  const origin = (c: Context<ApiEnv>): RequestOrigin => ({
    id: c.var.requestId,
    idempotency_key: c.req.header('idempotency-key') ?? null,
  });
  const found = <T>(value: T | undefined, kind: string, id: string): T => {
    if (value === undefined) throw noSuchObject(kind, id);
    return value;
  };

  const stripeHeaders: MiddlewareHandler<ApiEnv> = async function stripeHeaders(c, next) {
    c.set('requestId', newId('req', 14));
    await next();
    c.header('request-id', c.var.requestId);
    c.header('stripe-version', c.req.header('stripe-version') ?? apiVersion);
    const idempotencyKey = c.req.header('idempotency-key');
    if (idempotencyKey) c.header('idempotency-key', idempotencyKey);
  };

  const requireSecretKey: MiddlewareHandler<ApiEnv> = async function requireSecretKey(c, next) {
    const key = apiKeyOf(c.req.header('authorization') ?? '');
    if (!key) {
      throw new StripeApiError(401, {
        type: 'invalid_request_error',
        message:
          "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      });
    }
    if (!/^(sk|rk)_test_/.test(key)) {
      throw new StripeApiError(401, {
        type: 'invalid_request_error',
        message: `Invalid API Key provided: ${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)} (the emulator accepts test-mode secret keys, sk_test_…)`,
      });
    }
    c.set('apiKey', key);
    await next();
  };

  const injectFaults: MiddlewareHandler<ApiEnv> = async function injectFaults(c, next) {
    await faults.untilAnswering();
    if (faults.takeFailure()) {
      return c.json(
        errorResponseBody(
          new StripeApiError(500, { type: 'api_error', message: 'An unknown error occurred (injected by the Stripe emulator).' }),
        ),
        500,
      );
    }
    await next();
  };

  const readParams: MiddlewareHandler<ApiEnv> = async function readParams(c, next) {
    const query = new URL(c.req.url).search.slice(1);
    c.set('params', parseForm(c.req.method === 'GET' ? query : await c.req.text()));
    await next();
  };

  const api = new Hono<ApiEnv>()
    .use(stripeHeaders, requireSecretKey, injectFaults, readParams, idempotency.middleware())

    .post('/customers', (c) => {
      const { expand, ...input } = parseParams(createCustomerParams, c.var.params);
      return respond(c, payments.createCustomer(input), expand);
    })
    .get('/customers', (c) => {
      const { email, expand, ...page } = parseParams(z.strictObject({ ...listParams, email: z.string().optional() }), c.var.params);
      const customers = [...store.customers.values()].filter((customer) => !email || customer.email === email);
      return respond(c, list(customers, '/v1/customers', page), expand);
    })
    .get('/customers/:id', (c) => {
      const { expand } = parseParams(retrieveParams, c.var.params);
      return respond(c, found(store.customers.get(c.req.param('id')), 'customer', c.req.param('id')), expand);
    })
    .delete('/customers/:id', (c) => {
      const customer = found(store.customers.get(c.req.param('id')), 'customer', c.req.param('id'));
      store.customers.delete(customer.id);
      return c.json({ id: customer.id, object: 'customer', deleted: true });
    })
    .get('/customers/:id/payment_methods', (c) => {
      const {
        expand,
        type: _type,
        ...page
      } = parseParams(z.strictObject({ ...listParams, type: z.literal('card').optional() }), c.var.params);
      const customer = found(store.customers.get(c.req.param('id')), 'customer', c.req.param('id'));
      const methods = [...store.paymentMethods.values()].filter((method) => method.customer === customer.id);
      return respond(c, list(methods, `/v1/customers/${customer.id}/payment_methods`, page), expand);
    })

    .post('/checkout/sessions', (c) => {
      const params = parseParams(createCheckoutSessionParams, c.var.params);
      if (params.mode === 'setup' && params.line_items) {
        throw invalidRequest('You can not pass `line_items` in `setup` mode.', { param: 'line_items' });
      }
      const session = payments.createCheckoutSession({
        mode: params.mode,
        currency: params.currency ?? null,
        lineItems: (params.line_items ?? []).map((item) => ({
          name: item.price_data.product_data.name,
          description: item.price_data.product_data.description ?? null,
          currency: item.price_data.currency,
          unitAmount: item.price_data.unit_amount,
          quantity: item.quantity,
        })),
        customer: params.customer ?? null,
        customerEmail: params.customer_email ?? null,
        customerCreation: params.customer_creation ?? null,
        successUrl: params.success_url ?? null,
        cancelUrl: params.cancel_url ?? null,
        clientReferenceId: params.client_reference_id ?? null,
        metadata: params.metadata ?? {},
        expiresAt: params.expires_at ?? null,
        paymentIntentData: {
          description: params.payment_intent_data?.description ?? null,
          metadata: params.payment_intent_data?.metadata ?? {},
          setupFutureUsage: params.payment_intent_data?.setup_future_usage ?? null,
        },
      });
      return respond(c, session, params.expand);
    })
    .get('/checkout/sessions/:id', (c) => {
      const { expand } = parseParams(retrieveParams, c.var.params);
      return respond(c, found(store.sessions.get(c.req.param('id')), 'checkout.session', c.req.param('id')), expand);
    })
    .post('/checkout/sessions/:id/expire', (c) => {
      const { expand } = parseParams(retrieveParams, c.var.params);
      const session = found(store.sessions.get(c.req.param('id')), 'checkout.session', c.req.param('id'));
      return respond(c, payments.expireCheckoutSession(session, origin(c)), expand);
    })

    .post('/payment_intents', (c) => {
      const params = parseParams(createPaymentIntentParams, c.var.params);
      if (params.off_session && !params.confirm) {
        throw invalidRequest('`off_session` can only be used when `confirm=true`.', { param: 'off_session' });
      }
      const intent = payments.createPaymentIntent(
        {
          amount: params.amount,
          currency: params.currency,
          customer: params.customer ?? null,
          paymentMethod: params.payment_method ?? null,
          confirm: params.confirm ?? false,
          offSession: params.off_session ?? false,
          description: params.description ?? null,
          metadata: params.metadata ?? {},
          setupFutureUsage: params.setup_future_usage ?? null,
        },
        origin(c),
      );
      return respond(c, intent, params.expand);
    })
    .get('/payment_intents/:id', (c) => {
      const { expand } = parseParams(retrieveParams, c.var.params);
      return respond(c, found(store.paymentIntents.get(c.req.param('id')), 'payment_intent', c.req.param('id')), expand);
    })
    .get('/payment_methods/:id', (c) => {
      const { expand } = parseParams(retrieveParams, c.var.params);
      return respond(c, found(store.paymentMethods.get(c.req.param('id')), 'PaymentMethod', c.req.param('id')), expand);
    })
    .get('/setup_intents/:id', (c) => {
      const { expand } = parseParams(retrieveParams, c.var.params);
      return respond(c, found(store.setupIntents.get(c.req.param('id')), 'setupintent', c.req.param('id')), expand);
    })
    .get('/charges/:id', (c) => {
      const { expand } = parseParams(retrieveParams, c.var.params);
      return respond(c, found(store.charges.get(c.req.param('id')), 'charge', c.req.param('id')), expand);
    })
    .get('/events/:id', (c) => {
      parseParams(retrieveParams, c.var.params);
      return c.json(found(store.events.get(c.req.param('id')), 'event', c.req.param('id')));
    })
    .all('*', (c) => {
      throw new StripeApiError(404, {
        type: 'invalid_request_error',
        message: `Unrecognized request URL (${c.req.method}: ${c.req.path}). The Stripe emulator serves only the endpoints the billing portal uses.`,
      });
    });

  api.onError((error, c) => {
    if (error instanceof StripeApiError) return c.json(errorResponseBody(error), error.status);
    console.error('stripe emulator: unexpected error', error);
    return c.json({ error: { type: 'api_error', message: 'An unknown error occurred in the Stripe emulator.' } }, 500);
  });
  return api;
}

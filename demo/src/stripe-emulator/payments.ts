/**
 * What Stripe does behind its API and its Checkout page: sessions, payment and setup attempts with test
 * cards, saved cards, and the events each step emits. HTTP routes and the page call into this; it never
 * sees a request.
 */
import { authenticationRequired, parseCardNumber, parseExpiry, type CardDecline } from './cards.ts';
import { StripeApiError, invalidRequest, noSuchReference } from './errors.ts';
import {
  buildCharge,
  buildCustomer,
  buildEvent,
  buildPaymentIntent,
  buildPaymentMethod,
  buildSetupIntent,
  formatAmount,
  newId,
  randomToken,
  unixNow,
  type CheckoutSession,
  type Customer,
  type EventType,
  type PaymentError,
  type PaymentIntent,
  type PaymentMethod,
  type SetupIntent,
  type StripeEvent,
  type StripeObject,
} from './objects.ts';
import type { CheckoutDetails, LineItem, Store } from './store.ts';

/** The API request behind an event (`event.request`); the Checkout page has none. */
export type RequestOrigin = StripeEvent['request'];
export const pageOrigin: RequestOrigin = { id: null, idempotency_key: null };

export interface PaymentsOptions {
  store: Store;
  publicUrl: string;
  apiVersion: string;
  emit: (event: StripeEvent) => void;
  /** Consumes the "next checkout payment settles asynchronously" test switch. */
  takeAsyncPayment: () => boolean;
}

export interface CheckoutSessionInput {
  mode: 'payment' | 'setup';
  currency: string | null;
  lineItems: (LineItem & { currency: string })[];
  customer: string | null;
  customerEmail: string | null;
  customerCreation: 'always' | 'if_required' | null;
  successUrl: string | null;
  cancelUrl: string | null;
  clientReferenceId: string | null;
  metadata: Record<string, string>;
  expiresAt: number | null;
  paymentIntentData: CheckoutDetails['paymentIntentData'];
}

export interface PaymentIntentInput {
  amount: number;
  currency: string;
  customer: string | null;
  paymentMethod: string | null;
  confirm: boolean;
  offSession: boolean;
  description: string | null;
  metadata: Record<string, string>;
  setupFutureUsage: 'on_session' | 'off_session' | null;
}

/** What the Checkout page shows next. */
export type CheckoutStep =
  { kind: 'completed'; redirectTo: string | null } | { kind: 'declined'; message: string } | { kind: 'authenticate' } | { kind: 'closed' };

type Attempt = { kind: 'succeeded' | 'processing' | 'requires_action' } | { kind: 'declined'; error: StripeApiError };

/** Stripe's minimum charge amounts for common currencies (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts). */
const minimumAmount: Record<string, number> = { usd: 50, eur: 50, gbp: 30, cad: 50, aud: 50, chf: 50, jpy: 50 };
/** `expires_at` may be 30 minutes to 24 hours away; a minute of slack absorbs clock skew with the caller. */
const sessionLifetime = { min: 29 * 60, max: 24 * 60 * 60 };
const authenticationFailed = 'We are unable to authenticate your payment method. Please choose a different payment method and try again.';

/** Object.assign, but type-checked against the object's own fields. */
function update<T extends object>(target: T, changes: Partial<T>): void {
  Object.assign(target, changes);
}

export class Payments {
  private readonly store: Store;

  constructor(private readonly options: PaymentsOptions) {
    this.store = options.store;
  }

  createCustomer(input: Parameters<typeof buildCustomer>[0]): Customer {
    const customer = buildCustomer(input);
    this.store.customers.set(customer.id, customer);
    return customer;
  }

  createCheckoutSession(input: CheckoutSessionInput): CheckoutSession {
    if (input.customer && !this.store.customers.has(input.customer)) {
      throw noSuchReference('customer', input.customer, 'customer');
    }
    const created = unixNow();
    const expiresAt = input.expiresAt ?? created + sessionLifetime.max;
    if (expiresAt - created < sessionLifetime.min || expiresAt - created > sessionLifetime.max) {
      throw invalidRequest('The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.', {
        param: 'expires_at',
      });
    }

    let currency = input.currency;
    let total: number | null = null;
    if (input.mode === 'payment') {
      if (input.lineItems.length === 0) {
        throw invalidRequest('`line_items` is required in `payment` mode.', { param: 'line_items', code: 'parameter_missing' });
      }
      currency = input.lineItems[0]!.currency;
      if (input.lineItems.some((item) => item.currency !== currency)) {
        throw invalidRequest('All `line_items` must use the same currency.', { param: 'line_items' });
      }
      total = input.lineItems.reduce((sum, item) => sum + item.unitAmount * item.quantity, 0);
      this.checkMinimum(total, currency, 'line_items');
    } else if (!currency) {
      throw invalidRequest('Missing required param: currency.', { param: 'currency', code: 'parameter_missing' });
    }

    const id = `cs_test_${randomToken(58)}`;
    let setupIntent: SetupIntent | null = null;
    if (input.mode === 'setup') {
      // In setup mode Stripe creates the SetupIntent with the session.
      setupIntent = buildSetupIntent(input.customer);
      this.store.setupIntents.set(setupIntent.id, setupIntent);
    }
    const session: CheckoutSession = {
      id,
      object: 'checkout.session',
      amount_subtotal: total,
      amount_total: total,
      cancel_url: input.cancelUrl,
      client_reference_id: input.clientReferenceId,
      created,
      currency,
      customer: input.customer,
      customer_creation: input.customer ? null : (input.customerCreation ?? 'if_required'),
      customer_details: null,
      customer_email: input.customerEmail,
      expires_at: expiresAt,
      livemode: false,
      metadata: input.metadata,
      mode: input.mode,
      payment_intent: null,
      payment_method_types: ['card'],
      payment_status: input.mode === 'setup' ? 'no_payment_required' : 'unpaid',
      setup_intent: setupIntent?.id ?? null,
      status: 'open',
      success_url: input.successUrl,
      ui_mode: 'hosted',
      url: `${this.options.publicUrl}/checkout/${id}`,
    };
    this.store.sessions.set(id, session);
    this.store.checkoutDetails.set(id, {
      lineItems: input.lineItems.map(({ currency: _currency, ...item }) => item),
      paymentIntentData: input.paymentIntentData,
      awaitingAuthentication: null,
    });
    return session;
  }

  expireCheckoutSession(session: CheckoutSession, origin: RequestOrigin): CheckoutSession {
    if (session.status !== 'open') {
      throw invalidRequest(
        `Only Checkout Sessions with a status in ["open"] can be expired. This session has a status of "${session.status}".`,
      );
    }
    session.status = 'expired';
    session.url = null;
    const intent = this.intentOf(session);
    if (intent && intent.status !== 'succeeded') {
      update(intent, { status: 'canceled', canceled_at: unixNow(), cancellation_reason: 'abandoned' });
      this.emit('payment_intent.canceled', intent, origin);
    }
    const setupIntent = session.setup_intent ? this.store.setupIntents.get(session.setup_intent as string) : undefined;
    if (setupIntent && setupIntent.status !== 'succeeded') {
      update(setupIntent, { status: 'canceled', cancellation_reason: 'abandoned' });
    }
    this.emit('checkout.session.expired', session, origin);
    return session;
  }

  /** Stripe expires sessions by itself once `expires_at` passes. */
  expireDueSessions(now = unixNow()): void {
    for (const session of this.store.sessions.values()) {
      if (session.status === 'open' && session.expires_at <= now) this.expireCheckoutSession(session, pageOrigin);
    }
  }

  createPaymentIntent(input: PaymentIntentInput, origin: RequestOrigin): PaymentIntent {
    if (input.customer && !this.store.customers.has(input.customer)) {
      throw noSuchReference('customer', input.customer, 'customer');
    }
    const paymentMethod = input.paymentMethod ? this.store.paymentMethods.get(input.paymentMethod) : undefined;
    if (input.paymentMethod && !paymentMethod) {
      throw noSuchReference('PaymentMethod', input.paymentMethod, 'payment_method');
    }
    if (paymentMethod?.customer && paymentMethod.customer !== input.customer) {
      throw invalidRequest(
        `The PaymentMethod ${paymentMethod.id} is attached to another Customer; pass \`customer=${String(paymentMethod.customer)}\` to use it.`,
        { param: 'payment_method' },
      );
    }
    this.checkMinimum(input.amount, input.currency, 'amount');
    if (input.confirm && !paymentMethod) {
      throw invalidRequest(
        "You cannot confirm this PaymentIntent because it's missing a payment method. Specify a payment method attached to the customer.",
        { code: 'payment_intent_unexpected_state' },
      );
    }

    const intent = buildPaymentIntent({
      amount: input.amount,
      currency: input.currency,
      customer: input.customer,
      description: input.description,
      metadata: input.metadata,
      setupFutureUsage: input.setupFutureUsage,
      paymentMethod: paymentMethod?.id ?? null,
    });
    this.store.paymentIntents.set(intent.id, intent);
    if (!input.confirm || !paymentMethod) return intent;

    const attempt = this.attempt(intent, paymentMethod, { offSession: input.offSession, authenticated: false }, origin);
    if (attempt.kind === 'declined') throw attempt.error;
    return intent;
  }

  /** The Checkout page's "Pay" / "Save card" button. */
  submitCard(sessionId: string, input: { number: string; expiry: string }): CheckoutStep {
    const session = this.store.sessions.get(sessionId);
    if (session?.status !== 'open') return { kind: 'closed' };
    // A new card replaces any challenge the shopper walked away from.
    this.store.checkoutDetails.get(sessionId)!.awaitingAuthentication = null;
    const card = parseCardNumber(input.number);
    if (!card) return { kind: 'declined', message: 'Your card number is invalid.' };
    const expiry = parseExpiry(input.expiry);
    if (!expiry) return { kind: 'declined', message: "Your card's expiration date is invalid or in the past." };

    const paymentMethod = buildPaymentMethod(card, expiry);
    this.store.paymentMethods.set(paymentMethod.id, paymentMethod);
    this.store.cards.set(paymentMethod.id, { card, readyOffSession: false });
    return this.proceed(session, paymentMethod, false);
  }

  /** The simulated 3D Secure page's "Complete authentication" / "Fail authentication". */
  authenticate(sessionId: string, succeeded: boolean): CheckoutStep {
    const session = this.store.sessions.get(sessionId);
    const details = this.store.checkoutDetails.get(sessionId);
    const paymentMethod = details?.awaitingAuthentication ? this.store.paymentMethods.get(details.awaitingAuthentication) : undefined;
    if (session?.status !== 'open' || !details || !paymentMethod) return { kind: 'closed' };
    details.awaitingAuthentication = null;
    if (succeeded) return this.proceed(session, paymentMethod, true);

    const error: PaymentError = {
      type: 'invalid_request_error',
      code: session.mode === 'payment' ? 'payment_intent_authentication_failure' : 'setup_intent_authentication_failure',
      message: 'The provided PaymentMethod has failed authentication. Provide a new PaymentMethod to try again.',
      payment_method: structuredClone(paymentMethod),
      payment_method_type: 'card',
    };
    const intent = this.intentOf(session);
    const setupIntent = this.setupIntentOf(session);
    if (intent) {
      update(intent, { status: 'requires_payment_method', payment_method: null, next_action: null });
      intent.last_payment_error = error;
      this.emit('payment_intent.payment_failed', intent, pageOrigin);
    } else if (setupIntent) {
      update(setupIntent, { status: 'requires_payment_method', payment_method: null, next_action: null });
      setupIntent.last_setup_error = error;
      this.emit('setup_intent.setup_failed', setupIntent, pageOrigin);
    }
    return { kind: 'declined', message: authenticationFailed };
  }

  /** Ends a payment left `processing` by the async test switch, as a delayed payment method would. */
  settleAsync(sessionId: string, succeeded: boolean): CheckoutSession {
    const session = this.store.sessions.get(sessionId);
    const intent = session ? this.intentOf(session) : undefined;
    if (!session || intent?.status !== 'processing') {
      throw new Error(`Checkout Session ${sessionId} has no payment waiting to settle`);
    }
    const charge = this.store.charges.get(intent.latest_charge as string)!;
    const paymentMethod = this.store.paymentMethods.get(charge.payment_method!)!;
    if (succeeded) {
      update(charge, {
        status: 'succeeded',
        paid: true,
        captured: true,
        amount_captured: charge.amount,
        balance_transaction: newId('txn'),
      });
      this.succeed(intent, paymentMethod, pageOrigin);
      session.payment_status = 'paid';
      this.emit('checkout.session.async_payment_succeeded', session, pageOrigin);
    } else {
      const decline: CardDecline = {
        code: 'card_declined',
        declineCode: 'generic_decline',
        message: 'Your card was declined.',
        on: 'charge',
      };
      update(charge, { status: 'failed', failure_code: decline.code, failure_message: decline.message });
      this.fail(intent, paymentMethod, decline, charge.id, pageOrigin);
      this.emit('checkout.session.async_payment_failed', session, pageOrigin);
    }
    return session;
  }

  private proceed(session: CheckoutSession, paymentMethod: PaymentMethod, authenticated: boolean): CheckoutStep {
    const details = this.store.checkoutDetails.get(session.id)!;
    const step =
      session.mode === 'setup'
        ? this.setUp(session, paymentMethod, authenticated)
        : this.pay(session, details, paymentMethod, authenticated);
    if (step.kind === 'authenticate') details.awaitingAuthentication = paymentMethod.id;
    return step;
  }

  private pay(session: CheckoutSession, details: CheckoutDetails, paymentMethod: PaymentMethod, authenticated: boolean): CheckoutStep {
    // Saving the card for later needs a Customer; Checkout creates one when the session has none.
    if (details.paymentIntentData.setupFutureUsage) this.ensureCustomer(session);
    let intent = this.intentOf(session);
    if (!intent) {
      intent = buildPaymentIntent({
        amount: session.amount_total!,
        currency: session.currency!,
        customer: null,
        description: details.paymentIntentData.description,
        metadata: details.paymentIntentData.metadata,
        setupFutureUsage: details.paymentIntentData.setupFutureUsage,
        paymentMethod: null,
      });
      this.store.paymentIntents.set(intent.id, intent);
      session.payment_intent = intent.id;
    }
    intent.customer = session.customer;

    const attempt = this.attempt(intent, paymentMethod, { offSession: false, authenticated, checkout: true }, pageOrigin);
    switch (attempt.kind) {
      case 'requires_action':
        return { kind: 'authenticate' };
      case 'declined':
        return { kind: 'declined', message: attempt.error.message };
      case 'processing':
        return this.complete(session, 'unpaid');
      case 'succeeded':
        return this.complete(session, 'paid');
    }
  }

  private setUp(session: CheckoutSession, paymentMethod: PaymentMethod, authenticated: boolean): CheckoutStep {
    const setupIntent = this.setupIntentOf(session)!;
    const { card } = this.store.cards.get(paymentMethod.id)!;
    setupIntent.payment_method = paymentMethod.id;
    if (card.authentication !== 'none' && !authenticated) {
      setupIntent.status = 'requires_action';
      setupIntent.next_action = { type: 'use_stripe_sdk', use_stripe_sdk: {} };
      return { kind: 'authenticate' };
    }
    if (card.decline?.on === 'any') {
      update(setupIntent, { status: 'requires_payment_method', payment_method: null, next_action: null });
      setupIntent.last_setup_error = this.paymentError(card.decline, paymentMethod, null);
      this.emit('setup_intent.setup_failed', setupIntent, pageOrigin);
      return { kind: 'declined', message: card.decline.message };
    }
    const customer = this.ensureCustomer(session);
    this.saveCard(paymentMethod, customer);
    update(setupIntent, { status: 'succeeded', customer, next_action: null, last_setup_error: null });
    this.emit('setup_intent.succeeded', setupIntent, pageOrigin);
    return this.complete(session, 'no_payment_required');
  }

  private complete(session: CheckoutSession, paymentStatus: CheckoutSession['payment_status']): CheckoutStep {
    if (session.customer_creation === 'always') this.ensureCustomer(session);
    const customer = session.customer ? this.store.customers.get(session.customer as string) : undefined;
    update(session, { status: 'complete', payment_status: paymentStatus, url: null });
    session.customer_details = {
      address: null,
      email: customer?.email ?? session.customer_email,
      name: customer?.name ?? null,
      business_name: null,
      individual_name: null,
      phone: null,
      tax_exempt: 'none',
      tax_ids: [],
    };
    this.emit('checkout.session.completed', session, pageOrigin);
    return { kind: 'completed', redirectTo: session.success_url?.replaceAll('{CHECKOUT_SESSION_ID}', session.id) ?? null };
  }

  /** One confirmation of a PaymentIntent with a card, on the page or through the API. */
  private attempt(
    intent: PaymentIntent,
    paymentMethod: PaymentMethod,
    context: { offSession: boolean; authenticated: boolean; checkout?: boolean },
    origin: RequestOrigin,
  ): Attempt {
    const saved = this.store.cards.get(paymentMethod.id)!;
    const { card } = saved;
    intent.payment_method = paymentMethod.id;
    const needsAuthentication =
      card.authentication === 'always' || (card.authentication === 'on_session' && !(context.offSession && saved.readyOffSession));
    if (needsAuthentication && !context.authenticated) {
      if (context.offSession) return this.decline(intent, paymentMethod, authenticationRequired, origin);
      intent.status = 'requires_action';
      intent.next_action = { type: 'use_stripe_sdk', use_stripe_sdk: {} };
      this.emit('payment_intent.requires_action', intent, origin);
      return { kind: 'requires_action' };
    }
    if (card.decline) return this.decline(intent, paymentMethod, card.decline, origin);

    const settlesLater = context.checkout === true && this.options.takeAsyncPayment();
    const charge = buildCharge(intent, paymentMethod, { status: settlesLater ? 'pending' : 'succeeded' }, this.options.publicUrl);
    this.store.charges.set(charge.id, charge);
    update(intent, { latest_charge: charge.id, last_payment_error: null, next_action: null });
    if (settlesLater) {
      intent.status = 'processing';
      return { kind: 'processing' };
    }
    this.succeed(intent, paymentMethod, origin);
    return { kind: 'succeeded' };
  }

  private succeed(intent: PaymentIntent, paymentMethod: PaymentMethod, origin: RequestOrigin): void {
    update(intent, { status: 'succeeded', amount_received: intent.amount });
    if (intent.setup_future_usage && intent.customer) this.saveCard(paymentMethod, intent.customer as string);
    this.emit('payment_intent.succeeded', intent, origin);
  }

  private decline(intent: PaymentIntent, paymentMethod: PaymentMethod, decline: CardDecline, origin: RequestOrigin): Attempt {
    const charge = buildCharge(
      intent,
      paymentMethod,
      { status: 'failed', code: decline.code, declineCode: decline.declineCode, message: decline.message },
      this.options.publicUrl,
    );
    this.store.charges.set(charge.id, charge);
    this.fail(intent, paymentMethod, decline, charge.id, origin);
    const error = new StripeApiError(402, {
      type: 'card_error',
      code: decline.code,
      decline_code: decline.declineCode,
      message: decline.message,
      charge: charge.id,
      doc_url: intent.last_payment_error?.doc_url,
      payment_intent: structuredClone(intent),
      payment_method: structuredClone(paymentMethod),
    });
    return { kind: 'declined', error };
  }

  private fail(intent: PaymentIntent, paymentMethod: PaymentMethod, decline: CardDecline, chargeId: string, origin: RequestOrigin): void {
    // Back to requires_payment_method so the customer (or the merchant) can try another card.
    update(intent, { status: 'requires_payment_method', payment_method: null, next_action: null, latest_charge: chargeId });
    intent.last_payment_error = this.paymentError(decline, paymentMethod, chargeId);
    this.emit('payment_intent.payment_failed', intent, origin);
  }

  private paymentError(decline: CardDecline, paymentMethod: PaymentMethod, chargeId: string | null): PaymentError {
    return {
      type: 'card_error',
      code: decline.code,
      decline_code: decline.declineCode,
      message: decline.message,
      doc_url: `https://stripe.com/docs/error-codes/${decline.code.replaceAll('_', '-')}`,
      payment_method: structuredClone(paymentMethod),
      payment_method_type: 'card',
      ...(chargeId ? { charge: chargeId } : {}),
    };
  }

  private saveCard(paymentMethod: PaymentMethod, customer: string): void {
    paymentMethod.customer = customer;
    this.store.cards.get(paymentMethod.id)!.readyOffSession = true;
  }

  private ensureCustomer(session: CheckoutSession): string {
    if (!session.customer) {
      session.customer = this.createCustomer({ email: session.customer_email ?? undefined }).id;
    }
    return session.customer as string;
  }

  private intentOf(session: CheckoutSession): PaymentIntent | undefined {
    return session.payment_intent ? this.store.paymentIntents.get(session.payment_intent as string) : undefined;
  }

  private setupIntentOf(session: CheckoutSession): SetupIntent | undefined {
    return session.setup_intent ? this.store.setupIntents.get(session.setup_intent as string) : undefined;
  }

  private checkMinimum(amount: number, currency: string, param: string): void {
    const minimum = minimumAmount[currency] ?? 1;
    if (amount < minimum) {
      throw invalidRequest(`Amount must be at least ${formatAmount(minimum, currency)} ${currency}`, {
        code: 'amount_too_small',
        param,
      });
    }
  }

  private emit(type: EventType, object: StripeObject, origin: RequestOrigin): void {
    const event = buildEvent(type, object, origin, this.options.apiVersion);
    this.store.events.set(event.id, event);
    this.options.emit(event);
  }
}

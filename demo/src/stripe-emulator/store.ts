/** The emulator's in-memory state: Stripe objects by id, plus what Stripe knows but never returns. */
import type { TestCard } from './cards.ts';
import type { Charge, CheckoutSession, Customer, PaymentIntent, PaymentMethod, SetupIntent, StripeEvent, StripeObject } from './objects.ts';

export interface LineItem {
  name: string;
  description: string | null;
  unitAmount: number;
  quantity: number;
}

/** Checkout state that is not part of the session object. */
export interface CheckoutDetails {
  lineItems: LineItem[];
  /** The PaymentIntent's shape, created on the first payment attempt (as Stripe does since 2022-08-01). */
  paymentIntentData: {
    description: string | null;
    metadata: Record<string, string>;
    setupFutureUsage: 'on_session' | 'off_session' | null;
  };
  /** The card waiting on the simulated 3D Secure page. */
  awaitingAuthentication: string | null;
}

export interface SavedCard {
  card: TestCard;
  /** Authenticated when it was set up, so issuers let merchant-initiated payments through (…3155). */
  readyOffSession: boolean;
}

export class Store {
  readonly customers = new Map<string, Customer>();
  readonly sessions = new Map<string, CheckoutSession>();
  readonly checkoutDetails = new Map<string, CheckoutDetails>();
  readonly paymentIntents = new Map<string, PaymentIntent>();
  readonly setupIntents = new Map<string, SetupIntent>();
  readonly paymentMethods = new Map<string, PaymentMethod>();
  readonly cards = new Map<string, SavedCard>();
  readonly charges = new Map<string, Charge>();
  readonly events = new Map<string, StripeEvent>();

  clear(): void {
    for (const map of [
      this.customers,
      this.sessions,
      this.checkoutDetails,
      this.paymentIntents,
      this.setupIntents,
      this.paymentMethods,
      this.cards,
      this.charges,
      this.events,
    ]) {
      map.clear();
    }
  }

  /** Any object by id, for `expand[]`. */
  find(id: string): StripeObject | undefined {
    return (
      this.customers.get(id) ??
      this.sessions.get(id) ??
      this.paymentIntents.get(id) ??
      this.setupIntents.get(id) ??
      this.paymentMethods.get(id) ??
      this.charges.get(id)
    );
  }
}

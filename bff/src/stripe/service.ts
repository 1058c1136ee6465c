// Stripe's side of payments: what each verified webhook event does, settling the top-up it names (credited once,
// see settleTopUp), activating the subscription whose first fee it paid, and saving the card a Checkout left. Owns no
// table: top-ups, customers and auto top-up own what it moves.
import { activateSubscription } from '../customers/service.ts';
import type Stripe from 'stripe';
import { saveCard } from '../auto-top-up/service.ts';
import type { Database } from '../db/client.ts';
import type { Logger } from '../log.ts';
import { findTopUp, settleTopUp } from '../top-ups/service.ts';
import type { Ledger } from '../wallet/ledger.ts';
import { callStripe } from './client.ts';

export interface StripeEventDeps {
  db: Database;
  ledger: Ledger;
  stripe: Stripe;
  logger: Logger;
}

/** The top-up a Stripe object names in its metadata (Checkout sessions and payment intents carry `top_up_id`). */
async function topUpNamedBy(db: Database, metadata: Stripe.Metadata | null | undefined) {
  const id = metadata?.top_up_id;
  return id ? findTopUp(db, id) : null;
}

async function paid({ db, ledger, stripe }: StripeEventDeps, sessionId: string) {
  const session = await callStripe(() => stripe.checkout.sessions.retrieve(sessionId, { expand: ['payment_intent.latest_charge'] }));
  const topUp = await topUpNamedBy(db, session.metadata);
  if (!topUp) return;
  const intent = typeof session.payment_intent === 'object' ? session.payment_intent : null;
  const charge = intent && typeof intent.latest_charge === 'object' ? intent.latest_charge : null;
  await settleTopUp(db, ledger, topUp.id, {
    status: 'succeeded',
    paymentIntentId: intent?.id ?? null,
    receiptUrl: charge?.receipt_url ?? null,
  });
  const paymentMethod = typeof intent?.payment_method === 'string' ? intent.payment_method : intent?.payment_method?.id;
  if (session.metadata?.save_card === 'true' && paymentMethod) {
    await saveCard(db, stripe, topUp.customerId, topUp.platformId, topUp.assetCode, paymentMethod);
  }
}

/** Moves the top-up or the saved card an event is about; any other event is ignored. */
export async function handleStripeEvent(deps: StripeEventDeps, event: Stripe.Event): Promise<void> {
  const { db, ledger, stripe, logger } = deps;
  switch (event.type) {
    case 'checkout.session.completed': {
      const session = event.data.object;
      if (session.mode === 'setup') {
        const setupIntentId = typeof session.setup_intent === 'string' ? session.setup_intent : session.setup_intent?.id;
        const { credyt_customer_id: customerId, platform_id: platformId, asset } = session.metadata ?? {};
        if (!setupIntentId || !customerId || !platformId || !asset) return;
        const setupIntent = await callStripe(() => stripe.setupIntents.retrieve(setupIntentId));
        const pm = typeof setupIntent.payment_method === 'string' ? setupIntent.payment_method : setupIntent.payment_method?.id;
        if (pm) await saveCard(db, stripe, customerId, platformId, asset, pm);
        return;
      }
      const subscriptionId = session.metadata?.credyt_subscription_id;
      if (subscriptionId) {
        if (session.payment_status === 'paid') await activateSubscription(db, subscriptionId, new Date());
        return;
      }
      if (session.payment_status === 'paid') return paid(deps, session.id);
      const topUp = await topUpNamedBy(db, session.metadata);
      if (topUp) await settleTopUp(db, ledger, topUp.id, { status: 'pending' });
      return;
    }
    case 'checkout.session.async_payment_succeeded': {
      const subscriptionId = event.data.object.metadata?.credyt_subscription_id;
      if (subscriptionId) {
        await activateSubscription(db, subscriptionId, new Date());
        return;
      }
      return paid(deps, event.data.object.id);
    }
    case 'checkout.session.async_payment_failed': {
      const topUp = await topUpNamedBy(db, event.data.object.metadata);
      if (topUp)
        await settleTopUp(db, ledger, topUp.id, {
          status: 'failed',
          failure: { code: 'payment_failed', message: 'The payment did not go through.' },
        });
      return;
    }
    case 'checkout.session.expired': {
      const topUp = await topUpNamedBy(db, event.data.object.metadata);
      if (topUp) await settleTopUp(db, ledger, topUp.id, { status: 'expired' });
      return;
    }
    case 'payment_intent.succeeded': {
      const intent = event.data.object;
      const topUp = await topUpNamedBy(db, intent.metadata);
      if (!topUp) return;
      const full = await callStripe(() => stripe.paymentIntents.retrieve(intent.id, { expand: ['latest_charge'] }));
      const charge = typeof full.latest_charge === 'object' ? full.latest_charge : null;
      await settleTopUp(db, ledger, topUp.id, {
        status: 'succeeded',
        paymentIntentId: intent.id,
        receiptUrl: charge?.receipt_url ?? null,
      });
      return;
    }
    case 'payment_intent.payment_failed': {
      const intent = event.data.object;
      const topUp = await topUpNamedBy(db, intent.metadata);
      // A Checkout top-up may fail once and then succeed with another card: only off-session payments fail here.
      if (!topUp || topUp.kind !== 'auto') return;
      const error = intent.last_payment_error;
      await settleTopUp(db, ledger, topUp.id, {
        status: 'failed',
        paymentIntentId: intent.id,
        failure: { code: error?.decline_code ?? error?.code ?? 'payment_failed', message: error?.message ?? 'The payment failed.' },
      });
      return;
    }
    default:
      logger.debug('stripe event ignored', { type: event.type });
  }
}

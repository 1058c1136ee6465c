// Top-ups: a wallet credit bought through Stripe Checkout (or charged by auto top-up), priced in the platform's
// currency and credited once when Stripe confirms it. Owns `top_ups`; announces every status change on the bus.
import { and, eq, isNull, notInArray } from 'drizzle-orm';
import type Stripe from 'stripe';
import { money, toDecimalString, type TopUpStatus, GENERIC_DESCRIPTIONS } from '@credyt/shared';
import { AssetRegistry, fiatInfo, rateTo, type AssetInfo } from '../catalog/registry.ts';
import { type Database, type Executor, transact } from '../db/client.ts';
import { emitWebhook } from '../webhooks/service.ts';
import { accounts, autoTopUpAttempts, autoTopUpSettings, topUps } from '../db/schema/index.ts';
import { conflict, invalid, notFound } from '../http/problem.ts';
import { withQuery } from '../http/url.ts';
import { newId } from '../ids.ts';
import { publish, TOP_UP_CHANNEL } from '../bus.ts';
import { DEFAULT_ACCOUNT, type Ledger } from '../wallet/ledger.ts';
import { PAID_GRANT_LIFETIME_MS, recordGrant } from '../wallet/grants.ts';
import type { PlatformRow } from '../tenancy/api-key.ts';
import { withStripeCustomer } from '../stripe/customers.ts';
import { callStripe, toMinorUnits } from '../stripe/client.ts';
import { stripeMinimumCharge } from '../stripe/minimum-charge.ts';
import { topUpLimits } from '../configuration/service.ts';

export type TopUpRow = typeof topUps.$inferSelect;

export interface Price {
  /** Units credited to the wallet, in the asset. */
  units: string;
  currency: string;
  /** What is charged, in `currency`. */
  fiat: string;
}

/** `units` of the asset priced in the platform currency, rounded up to the currency's minor unit. */
export function priceUnits(asset: AssetInfo, units: string, currency: string): Price {
  const rate = rateTo(asset, currency);
  const fiatAsset = fiatInfo(currency);
  if (rate === null || !fiatAsset) throw invalid([{ path: 'asset', message: `${asset.code} cannot be bought in ${currency}` }]);
  const fiat = money(units).times(rate).toDecimalPlaces(fiatAsset.precision, 0 /* ROUND_UP */);
  return { units: toDecimalString(units), currency, fiat: toDecimalString(fiat) };
}

/** `fiat` of a currency buys this many units of the asset, rounded down to the asset's precision. */
export function unitsForFiat(asset: AssetInfo, fiat: string, currency: string): Price {
  const rate = rateTo(asset, currency);
  if (rate === null) throw invalid([{ path: 'destination.asset', message: `${asset.code} cannot be bought in ${currency}` }]);
  const units = money(fiat).dividedBy(rate).toDecimalPlaces(asset.precision, 1 /* ROUND_DOWN */);
  return { units: toDecimalString(units), currency, fiat: toDecimalString(fiat) };
}

/**
 * A top-up must cost within the platform's limits (one charged in another currency: at least Stripe's minimum in
 * it); the error names the limit it broke, for the portal to say.
 */
export function checkLimits(platform: PlatformRow, price: Price, path: string) {
  const own = price.currency === platform.currency;
  const { currency, minimum, maximum } = own
    ? topUpLimits(platform)
    : { currency: price.currency, minimum: stripeMinimumCharge(price.currency), maximum: null };
  const below = money(price.fiat).lessThan(minimum);
  if (below || (maximum !== null && money(price.fiat).greaterThan(maximum))) {
    throw invalid([
      {
        path,
        message:
          maximum === null
            ? `a top-up must cost at least ${minimum} ${currency}`
            : `a top-up must cost between ${minimum} and ${maximum} ${currency}`,
        code: below ? 'below_minimum' : 'above_maximum',
        params: maximum === null ? { minimum, currency } : { minimum, maximum, currency },
      },
    ]);
  }
}

/** The asset of one of the customer's wallet accounts: a top-up or an auto top-up only ever buys into an account. */
export async function walletAsset(db: Database, customerId: string, platformId: string, code: string, path: string): Promise<AssetInfo> {
  const [account] = await db
    .select({ asset: accounts.assetCode })
    .from(accounts)
    .where(and(eq(accounts.customerId, customerId), eq(accounts.assetCode, code)));
  const asset = account ? await AssetRegistry.one(db, platformId, code) : null;
  if (!asset) throw invalid([{ path, message: `the wallet has no ${code} account` }]);
  return asset;
}

/** The asset a card set up without one is recorded under (the card is the customer's, for all of them). */
export async function firstWalletAsset(db: Database, customerId: string): Promise<string> {
  const [account] = await db
    .select({ asset: accounts.assetCode })
    .from(accounts)
    .where(eq(accounts.customerId, customerId))
    .orderBy(accounts.assetCode)
    .limit(1);
  if (!account) throw invalid([{ path: 'asset', message: 'the wallet has no account' }]);
  return account.asset;
}

/** The top-up with this id, or null; with an owner, only if it is that platform's or customer's. */
export async function findTopUp(
  db: Database,
  id: string,
  owner?: { platformId: string } | { customerId: string },
): Promise<TopUpRow | null> {
  const scope = !owner
    ? undefined
    : 'platformId' in owner
      ? eq(topUps.platformId, owner.platformId)
      : eq(topUps.customerId, owner.customerId);
  const [row] = await db
    .select()
    .from(topUps)
    .where(and(eq(topUps.id, id), scope));
  return row ?? null;
}

/** The top-up, only if it belongs to the owner: another's id is as unknown as a made-up one. */
export async function topUpOf(db: Database, owner: { platformId: string } | { customerId: string }, id: string): Promise<TopUpRow> {
  const row = await findTopUp(db, id, owner);
  if (!row) throw notFound('The top-up');
  return row;
}

export interface CheckoutTopUpRequest {
  platform: PlatformRow;
  customerId: string;
  asset: AssetInfo;
  price: Price;
  description: string;
  idempotencyKey: string;
  requestHash: string;
  successUrl: string;
  cancelUrl: string;
  /** Keep the card for off-session auto top-ups. */
  saveCard?: boolean;
}

/**
 * Creates (once per idempotency key) a top-up and its Stripe Checkout Session. The row is written before Stripe is
 * called, and Stripe is called with the top-up's id as its idempotency key: a retry after any failure, or a double
 * click, returns the same session. The wallet is credited later, from the verified webhook only.
 */
export async function createCheckoutTopUp(db: Database, stripe: Stripe, req: CheckoutTopUpRequest): Promise<TopUpRow> {
  const id = newId('top');
  const inserted = await db
    .insert(topUps)
    .values({
      id,
      platformId: req.platform.id,
      customerId: req.customerId,
      kind: 'manual',
      assetCode: req.asset.code,
      amount: req.price.units,
      currency: req.price.currency,
      fiatAmount: req.price.fiat,
      status: 'initiated',
      description: req.description,
      idempotencyKey: req.idempotencyKey,
      requestHash: req.requestHash,
      successUrl: withQuery(req.successUrl, { credyt_top_up: 'success', top_up_id: id }),
      cancelUrl: withQuery(req.cancelUrl, { credyt_top_up: 'cancelled', top_up_id: id }),
    })
    .onConflictDoNothing()
    .returning();
  let topUp = inserted[0];
  if (!topUp) {
    const [existing] = await db
      .select()
      .from(topUps)
      .where(and(eq(topUps.customerId, req.customerId), eq(topUps.idempotencyKey, req.idempotencyKey)));
    if (!existing || existing.requestHash !== req.requestHash) {
      throw conflict(`The idempotency key ${req.idempotencyKey} was already used for a different top-up.`);
    }
    if (existing.checkoutUrl) return existing;
    topUp = existing;
  }
  const row = topUp;
  const fiatAsset = fiatInfo(row.currency);
  if (!fiatAsset) throw new Error(`unknown currency ${row.currency}`);
  const session = await withStripeCustomer(db, stripe, req.customerId, (stripeCustomer, replaced) =>
    callStripe(() =>
      stripe.checkout.sessions.create(
        {
          mode: 'payment',
          customer: stripeCustomer,
          client_reference_id: row.id,
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: row.currency.toLowerCase(),
                unit_amount: toMinorUnits(row.fiatAmount, fiatAsset.precision),
                product_data: { name: row.description ?? 'Wallet top-up' },
              },
            },
          ],
          payment_intent_data: {
            metadata: { top_up_id: row.id, credyt_customer_id: row.customerId },
            ...(req.saveCard ? { setup_future_usage: 'off_session' as const } : {}),
          },
          metadata: { top_up_id: row.id, credyt_customer_id: row.customerId, save_card: req.saveCard ? 'true' : 'false' },
          success_url: row.successUrl ?? req.successUrl,
          cancel_url: row.cancelUrl ?? req.cancelUrl,
        },
        { idempotencyKey: replaced ? `credyt-top-up-${row.id}-for-${stripeCustomer}` : `credyt-top-up-${row.id}` },
      ),
    ),
  );
  const [updated] = await db
    .update(topUps)
    .set({
      checkoutSessionId: session.id,
      checkoutUrl: session.url,
      expiresAt: session.expires_at ? new Date(session.expires_at * 1000) : null,
      updatedAt: new Date(),
    })
    .where(eq(topUps.id, row.id))
    .returning();
  return updated ?? row;
}

export interface Settlement {
  status: TopUpStatus;
  paymentIntentId?: string | null;
  receiptUrl?: string | null;
  failure?: { code: string; message: string } | null;
}

/** Tells the portal's streams (and, for an outcome, the platform's webhooks) that the top-up moved. */
async function notifyTopUp(tx: Executor, row: TopUpRow) {
  if (row.status === 'succeeded' || row.status === 'failed')
    await emitWebhook(tx, row.platformId, row.status === 'succeeded' ? 'top_up.succeeded' : 'top_up.failed', {
      top_up_id: row.id,
      customer_id: row.customerId,
      kind: row.kind,
      asset: row.assetCode,
      amount: toDecimalString(row.amount),
      currency: row.currency,
      fiat_amount: toDecimalString(row.fiatAmount),
      receipt_url: row.receiptUrl,
      failure: row.failureCode ? { code: row.failureCode, message: row.failureMessage ?? '' } : null,
      occurred_at: row.updatedAt.toISOString(),
    });
  await publish(tx, TOP_UP_CHANNEL, {
    c: row.customerId,
    id: row.id,
    status: row.status,
    asset: row.assetCode,
    amount: toDecimalString(row.amount),
    kind: row.kind,
    fiat_amount: toDecimalString(row.fiatAmount),
    currency: row.currency,
    receipt_url: row.receiptUrl,
    // A notification holds at most 8000 bytes: Stripe's message is short, but bound it anyway.
    failure: row.failureCode ? { code: row.failureCode, message: (row.failureMessage ?? '').slice(0, 500) } : null,
  });
}

/**
 * Moves a top-up to its outcome. Success credits the wallet in the same transaction that sets `credited_at`, guarded
 * by `credited_at is null`: concurrent or repeated deliveries of the same payment credit once, in any order.
 */
export async function settleTopUp(db: Database, ledger: Ledger, topUpId: string, outcome: Settlement): Promise<TopUpRow | null> {
  return transact(db, async (tx) => {
    if (outcome.status === 'succeeded') {
      const [row] = await tx
        .update(topUps)
        .set({
          status: 'succeeded',
          creditedAt: new Date(),
          updatedAt: new Date(),
          failureCode: null,
          failureMessage: null,
          ...(outcome.paymentIntentId ? { paymentIntentId: outcome.paymentIntentId } : {}),
          ...(outcome.receiptUrl ? { receiptUrl: outcome.receiptUrl } : {}),
        })
        .where(and(eq(topUps.id, topUpId), isNull(topUps.creditedAt)))
        .returning();
      if (!row) return null;
      const [credit] = await ledger.append(tx, row.platformId, row.customerId, [
        {
          assetCode: row.assetCode,
          category: row.kind === 'auto' ? 'auto_top_up' : 'top_up',
          description: row.kind === 'auto' ? GENERIC_DESCRIPTIONS.auto_top_up : (row.description ?? GENERIC_DESCRIPTIONS.top_up),
          amount: row.amount,
          occurredAt: new Date(),
          source: `payment:${row.id}`,
          fiatAmount: row.fiatAmount,
          fiatCurrency: row.currency,
          receiptUrl: row.receiptUrl,
          metadata: { top_up_id: row.id, payment_intent_id: row.paymentIntentId },
        },
      ]);
      // A paid credit, as Credyt makes one for a top-up: it lapses after a year.
      await recordGrant(tx, {
        platformId: row.platformId,
        customerId: row.customerId,
        accountName: DEFAULT_ACCOUNT,
        assetCode: row.assetCode,
        amount: row.amount,
        purpose: 'paid',
        expiresAt: new Date(Date.now() + PAID_GRANT_LIFETIME_MS),
        source: `payment:${row.id}`,
        entryId: credit!.id,
      });
      if (row.kind === 'auto') {
        await tx
          .update(autoTopUpSettings)
          .set({ failures: 0, lastError: null, updatedAt: new Date() })
          .where(and(eq(autoTopUpSettings.customerId, row.customerId), eq(autoTopUpSettings.assetCode, row.assetCode)));
        await tx
          .update(autoTopUpAttempts)
          .set({ status: 'succeeded', updatedAt: new Date() })
          .where(and(eq(autoTopUpAttempts.topUpId, row.id), notInArray(autoTopUpAttempts.status, ['succeeded'])));
      }
      await notifyTopUp(tx, row);
      return row;
    }
    const [row] = await tx
      .update(topUps)
      .set({
        status: outcome.status,
        updatedAt: new Date(),
        ...(outcome.paymentIntentId ? { paymentIntentId: outcome.paymentIntentId } : {}),
        ...(outcome.failure ? { failureCode: outcome.failure.code, failureMessage: outcome.failure.message } : {}),
      })
      .where(and(eq(topUps.id, topUpId), isNull(topUps.creditedAt), notInArray(topUps.status, [outcome.status])))
      .returning();
    if (row) await notifyTopUp(tx, row);
    return row ?? null;
  });
}

export function presentTopUp(row: TopUpRow) {
  return {
    id: row.id,
    status: row.status,
    customer_id: row.customerId,
    asset: row.assetCode,
    amount: row.amount,
    currency: row.currency,
    fiat_amount: row.fiatAmount,
    redirect_url: row.checkoutUrl ?? '',
    expires_at: row.expiresAt?.toISOString() ?? null,
    receipt_url: row.receiptUrl,
    created_at: row.createdAt.toISOString(),
  };
}

// Auto top-up: the per-asset setting and saved card, and the worker that charges the queued attempts (the outbox
// filled by auto-top-up/outbox.ts on ledger writes). Owns `auto_top_up_settings` and `auto_top_up_attempts`.
import { and, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import Stripe from 'stripe';
import { GENERIC_DESCRIPTIONS, type AutoTopUpSetting } from '@credyt/shared';
import { AssetRegistry, fiatInfo } from '../catalog/registry.ts';
import { resultRows, type Database, type DatabaseHandle } from '../db/client.ts';
import { accounts, autoTopUpAttempts, autoTopUpSettings, platforms, topUps, type CardSummary } from '../db/schema/index.ts';
import { ProblemError } from '../http/problem.ts';
import { newId } from '../ids.ts';
import { AUTO_TOP_UP_CHANNEL, subscribe } from '../bus.ts';
import { createLedger } from '../ledger.ts';
import type { Ledger } from '../wallet/ledger.ts';
import type { Logger } from '../log.ts';
import { stripeCustomerFor, withStripeCustomer } from '../stripe/customers.ts';
import { callStripe, toMinorUnits } from '../stripe/client.ts';
import { priceUnits, settleTopUp } from '../top-ups/service.ts';
import { withQuery } from '../http/url.ts';
import type { PlatformRow } from '../tenancy/api-key.ts';
import { metrics } from '../metrics.ts';
import { emitWebhook } from '../webhooks/service.ts';

/** After this many consecutive failures auto top-up pauses until the customer changes the setting. */
const MAX_CONSECUTIVE_FAILURES = 3;

type SettingRow = typeof autoTopUpSettings.$inferSelect;

/**
 * The customer's card: one per customer, for every asset (the last one saved). Rows saved before cards were
 * per customer may still differ; the newest wins.
 */
async function customerCard(db: Database, customerId: string): Promise<Pick<SettingRow, 'paymentMethodId' | 'card'> | null> {
  const [row] = await db
    .select({ paymentMethodId: autoTopUpSettings.paymentMethodId, card: autoTopUpSettings.card })
    .from(autoTopUpSettings)
    .where(and(eq(autoTopUpSettings.customerId, customerId), isNotNull(autoTopUpSettings.paymentMethodId)))
    .orderBy(desc(autoTopUpSettings.updatedAt))
    .limit(1);
  return row ?? null;
}

function describeSetting(assetCode: string, row: SettingRow | undefined, open: boolean, card?: CardSummary | null): AutoTopUpSetting {
  const status: AutoTopUpSetting['status'] = !row
    ? 'idle'
    : row.paused
      ? 'paused'
      : open
        ? 'pending'
        : row.enabled && !row.paymentMethodId
          ? 'needs_payment_method'
          : row.failures > 0
            ? 'failed'
            : 'idle';
  return {
    asset: assetCode,
    enabled: row?.enabled ?? false,
    threshold: row?.threshold ?? '0',
    amount: row?.amount ?? '0',
    payment_method: row?.card ?? card ?? null,
    status,
    last_error: row?.lastError ?? null,
  };
}

/** Every wallet account's auto top-up setting (defaults for accounts that never had one). */
export async function listSettings(db: Database, customerId: string): Promise<AutoTopUpSetting[]> {
  const [accountRows, settingRows, openRows] = await Promise.all([
    db.select({ asset: accounts.assetCode }).from(accounts).where(eq(accounts.customerId, customerId)).orderBy(accounts.assetCode),
    db.select().from(autoTopUpSettings).where(eq(autoTopUpSettings.customerId, customerId)),
    db
      .select({ asset: autoTopUpAttempts.assetCode })
      .from(autoTopUpAttempts)
      .where(and(eq(autoTopUpAttempts.customerId, customerId), inArray(autoTopUpAttempts.status, ['queued', 'processing']))),
  ]);
  const assets = [...new Set(accountRows.map((a) => a.asset))];
  const newestCard = settingRows
    .filter((s) => s.paymentMethodId && s.card)
    .sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime())[0]?.card;
  return assets.map((asset) =>
    describeSetting(
      asset,
      settingRows.find((s) => s.assetCode === asset),
      openRows.some((o) => o.asset === asset),
      newestCard,
    ),
  );
}

/** Stripe's page that saves a card for off-session charges; Stripe comes back with `?credyt_card=saved|cancelled`. */
export async function cardSetupUrl(
  db: Database,
  stripe: Stripe,
  customerId: string,
  platform: PlatformRow,
  assetCode: string,
  back: string,
): Promise<string | null> {
  const session = await withStripeCustomer(db, stripe, customerId, (customer) =>
    callStripe(() =>
      stripe.checkout.sessions.create({
        mode: 'setup',
        customer,
        currency: platform.currency.toLowerCase(),
        metadata: {
          purpose: 'auto_top_up',
          credyt_customer_id: customerId,
          platform_id: platform.id,
          asset: assetCode,
        },
        success_url: withQuery(back, { credyt_card: 'saved' }),
        cancel_url: withQuery(back, { credyt_card: 'cancelled' }),
      }),
    ),
  );
  return session.url;
}

export interface SettingUpdate {
  enabled: boolean;
  threshold: string;
  amount: string;
}

/**
 * Writes the customer's auto top-up of one asset. Enabled without a saved card, it answers `setup_url`: Stripe's page
 * that saves one and comes back to `back` (no page without `back`). Stripe is called before the write, which it can refuse.
 */
export async function updateSetting(
  db: Database,
  stripe: Stripe,
  customerId: string,
  platform: PlatformRow,
  assetCode: string,
  update: SettingUpdate,
  back: string | null,
): Promise<AutoTopUpSetting> {
  // One card per customer: a card saved for another asset pays for this one too.
  const card = await customerCard(db, customerId);
  const setupUrl = update.enabled && !card && back ? await cardSetupUrl(db, stripe, customerId, platform, assetCode, back) : null;
  // Changing the setting is the customer acting: it clears a pause and the failure count.
  const [row] = await db
    .insert(autoTopUpSettings)
    .values({
      customerId,
      platformId: platform.id,
      assetCode,
      enabled: update.enabled,
      threshold: update.threshold,
      amount: update.amount,
      ...(card ?? {}),
    })
    .onConflictDoUpdate({
      target: [autoTopUpSettings.customerId, autoTopUpSettings.assetCode],
      set: {
        enabled: update.enabled,
        threshold: update.threshold,
        amount: update.amount,
        ...(card ?? {}),
        paused: false,
        failures: 0,
        updatedAt: new Date(),
      },
    })
    .returning();
  const setting = describeSetting(assetCode, row, false);
  if (update.enabled && !row?.paymentMethodId && setupUrl) setting.setup_url = setupUrl;
  return setting;
}

/**
 * Saves the card a Checkout (setup, or a payment with setup_future_usage) left on the customer. A customer has one
 * card: it replaces the card of every asset's setting, and, being the customer acting, lifts their pauses.
 */
export async function saveCard(
  db: Database,
  stripe: Stripe,
  customerId: string,
  platformId: string,
  assetCode: string,
  paymentMethodId: string,
) {
  const pm = await callStripe(() => stripe.paymentMethods.retrieve(paymentMethodId));
  const card: CardSummary = {
    brand: pm.card?.brand ?? 'card',
    last4: pm.card?.last4 ?? '????',
    exp_month: pm.card?.exp_month ?? 0,
    exp_year: pm.card?.exp_year ?? 0,
  };
  const fixed = { paymentMethodId, card, paused: false, failures: 0, lastError: null, updatedAt: new Date() };
  await db.transaction(async (tx) => {
    await tx
      .insert(autoTopUpSettings)
      .values({ customerId, platformId, assetCode, paymentMethodId, card })
      .onConflictDoUpdate({ target: [autoTopUpSettings.customerId, autoTopUpSettings.assetCode], set: fixed });
    await tx.update(autoTopUpSettings).set(fixed).where(eq(autoTopUpSettings.customerId, customerId));
  });
}

export interface WorkerOptions {
  pollMs: number;
  /** A `processing` attempt older than this is assumed abandoned (its process died) and queued again. */
  staleMs: number;
}

/**
 * Works the auto top-up outbox. Any number of BFF processes may run one: attempts are claimed with
 * `FOR UPDATE SKIP LOCKED`, and Stripe is called with the attempt's id as idempotency key, so a retry (after a
 * timeout or a crash) can never charge twice.
 */
export class AutoTopUpWorker {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private again = false;
  private unlisten: (() => Promise<void>) | null = null;

  constructor(
    private readonly database: DatabaseHandle,
    private readonly stripe: Stripe,
    private readonly logger: Logger,
    private readonly options: WorkerOptions = { pollMs: 1000, staleMs: 120_000 },
    private readonly ledger: Ledger = createLedger(),
  ) {}

  async start() {
    this.unlisten = await subscribe(this.database, AUTO_TOP_UP_CHANNEL, () => this.kick());
    this.timer = setInterval(() => this.kick(), this.options.pollMs);
    this.timer.unref();
    this.kick();
  }

  async stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.unlisten?.();
    while (this.running) await new Promise((r) => setTimeout(r, 10));
  }

  /** Runs until the queue has nothing due; concurrent kicks coalesce into one more pass. */
  kick() {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void (async () => {
      try {
        do {
          this.again = false;
          while (await this.runOnce()) {
            /* next */
          }
        } while (this.again);
      } catch (err) {
        this.logger.error('auto top-up worker', { error: err instanceof Error ? err.stack : String(err) });
      } finally {
        this.running = false;
      }
    })();
  }

  /** Claims and processes one due attempt; false when none is due. */
  async runOnce(): Promise<boolean> {
    const db = this.database.db;
    await db.execute(sql`
      update ${autoTopUpAttempts} set status = 'queued', updated_at = now()
      where status = 'processing' and updated_at < now() - make_interval(secs => ${this.options.staleMs / 1000})`);
    const claimed = resultRows<{ id: string }>(
      await db.execute(sql`
        update ${autoTopUpAttempts} set status = 'processing', tries = tries + 1, updated_at = now()
        where id = (select id from ${autoTopUpAttempts} where status = 'queued' and run_after <= now()
                    order by run_after for update skip locked limit 1)
        returning id`),
    );
    const id = claimed[0]?.id;
    if (!id) return false;
    await this.process(id);
    return true;
  }

  private async process(attemptId: string) {
    const db = this.database.db;
    const [attempt] = await db.select().from(autoTopUpAttempts).where(eq(autoTopUpAttempts.id, attemptId));
    if (!attempt) return;
    const [setting] = await db
      .select()
      .from(autoTopUpSettings)
      .where(and(eq(autoTopUpSettings.customerId, attempt.customerId), eq(autoTopUpSettings.assetCode, attempt.assetCode)));
    const [platform] = await db.select().from(platforms).where(eq(platforms.id, attempt.platformId));
    if (!setting || !setting.enabled || setting.paused || !setting.paymentMethodId || !platform) {
      await this.finish(attemptId, 'failed', { code: 'auto_top_up_disabled', message: 'Auto top-up was turned off before it ran.' });
      return;
    }
    const asset = await AssetRegistry.one(db, platform.id, attempt.assetCode);
    if (!asset) return this.finish(attemptId, 'failed', { code: 'unknown_asset', message: 'The asset no longer exists.' });
    const price = priceUnits(asset, setting.amount, platform.currency);

    let topUpId = attempt.topUpId;
    if (!topUpId) {
      topUpId = newId('top');
      await db.insert(topUps).values({
        id: topUpId,
        platformId: platform.id,
        customerId: attempt.customerId,
        kind: 'auto',
        assetCode: asset.code,
        amount: price.units,
        currency: price.currency,
        fiatAmount: price.fiat,
        status: 'pending',
        description: GENERIC_DESCRIPTIONS.auto_top_up,
      });
      await db.update(autoTopUpAttempts).set({ topUpId }).where(eq(autoTopUpAttempts.id, attemptId));
    }
    try {
      const customer = await stripeCustomerFor(db, this.stripe, attempt.customerId);
      const intent = await callStripe(() =>
        this.stripe.paymentIntents.create(
          {
            amount: toMinorUnits(price.fiat, fiatInfo(price.currency)?.precision ?? 2),
            currency: price.currency.toLowerCase(),
            customer,
            payment_method: setting.paymentMethodId ?? undefined,
            off_session: true,
            confirm: true,
            metadata: { top_up_id: topUpId, attempt_id: attemptId, credyt_customer_id: attempt.customerId },
            expand: ['latest_charge'],
          },
          { idempotencyKey: attemptId },
        ),
      );
      if (intent.status === 'succeeded') {
        const charge = typeof intent.latest_charge === 'object' ? intent.latest_charge : null;
        await settleTopUp(db, this.ledger, topUpId, {
          status: 'succeeded',
          paymentIntentId: intent.id,
          receiptUrl: charge?.receipt_url ?? null,
        });
        await this.finish(attemptId, 'succeeded');
      } else if (intent.status === 'processing') {
        await db.update(topUps).set({ paymentIntentId: intent.id }).where(eq(topUps.id, topUpId));
        await this.finish(attemptId, 'succeeded');
      } else {
        await this.fail(attemptId, topUpId, intent.id, {
          code: 'authentication_required',
          message: 'Your bank asked to confirm this payment. Make a manual top-up to confirm the card, or save another card.',
        });
      }
    } catch (err) {
      if (err instanceof Stripe.errors.StripeCardError) {
        await this.fail(attemptId, topUpId, err.payment_intent?.id ?? null, {
          code: err.decline_code === 'insufficient_funds' ? 'insufficient_funds' : (err.code ?? 'card_declined'),
          message: cardMessage(err),
        });
      } else if (err instanceof ProblemError && err.problemStatus === 503) {
        // Stripe unreachable: nothing was charged; try again later with the same idempotency key.
        const delay = Math.min(60_000, 1000 * 2 ** Math.min(attempt.tries, 6));
        await db
          .update(autoTopUpAttempts)
          .set({ status: 'queued', runAfter: new Date(Date.now() + delay), updatedAt: new Date() })
          .where(eq(autoTopUpAttempts.id, attemptId));
        metrics.autoTopUps.inc({ outcome: 'deferred' });
        this.logger.warn('auto top-up deferred: Stripe unavailable', { attempt: attemptId, retry_in_ms: delay });
      } else {
        throw err;
      }
    }
  }

  /**
   * The setting records the failure (and maybe pauses) before this top-up's `top_up.updated` goes out, so a portal
   * that reads the setting on that event sees what happens next. (Stripe's webhook may announce the failure first:
   * the event carries the reason itself.)
   */
  private async fail(attemptId: string, topUpId: string, paymentIntentId: string | null, error: { code: string; message: string }) {
    const db = this.database.db;
    await db.transaction(async (tx) => {
      const [attempt] = await tx
        .update(autoTopUpAttempts)
        .set({ status: 'failed', error, updatedAt: new Date() })
        .where(eq(autoTopUpAttempts.id, attemptId))
        .returning();
      if (!attempt) return;
      const [setting] = await tx
        .update(autoTopUpSettings)
        .set({
          failures: sql`${autoTopUpSettings.failures} + 1`,
          paused: sql`${autoTopUpSettings.failures} + 1 >= ${MAX_CONSECUTIVE_FAILURES}`,
          lastError: { ...error, at: new Date().toISOString() },
          updatedAt: new Date(),
        })
        .where(and(eq(autoTopUpSettings.customerId, attempt.customerId), eq(autoTopUpSettings.assetCode, attempt.assetCode)))
        .returning({ paused: autoTopUpSettings.paused, failures: autoTopUpSettings.failures, updatedAt: autoTopUpSettings.updatedAt });
      // Once, on the failure that pauses it: later failures cannot happen while paused.
      if (setting?.paused && setting.failures === MAX_CONSECUTIVE_FAILURES)
        await emitWebhook(tx, attempt.platformId, 'auto_top_up.paused', {
          customer_id: attempt.customerId,
          asset: attempt.assetCode,
          failures: setting.failures,
          reason: error,
          occurred_at: setting.updatedAt.toISOString(),
        });
    });
    await settleTopUp(db, this.ledger, topUpId, { status: 'failed', paymentIntentId, failure: error });
    metrics.autoTopUps.inc({ outcome: 'failed' });
  }

  private async finish(attemptId: string, status: 'succeeded' | 'failed', error?: { code: string; message: string }) {
    await this.database.db
      .update(autoTopUpAttempts)
      .set({ status, error: error ?? null, updatedAt: new Date() })
      .where(eq(autoTopUpAttempts.id, attemptId));
    metrics.autoTopUps.inc({ outcome: status });
  }
}

function cardMessage(err: Stripe.errors.StripeCardError): string {
  if (err.code === 'authentication_required') {
    return 'Your bank asked to confirm this payment. Make a manual top-up to confirm the card, or save another card.';
  }
  if (err.decline_code === 'insufficient_funds') return 'The card has insufficient funds. Use another card or top up manually.';
  return `The card was declined${err.message ? ` (${err.message})` : ''}. Save another card or top up manually.`;
}

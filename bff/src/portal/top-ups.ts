import { createRoute, z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import type Stripe from 'stripe';
import { AutoTopUpSetting, AutoTopUpUpdate, fitsPrecision, money, PortalTopUp, PortalTopUpRequest } from '@credyt/shared';
import { AssetRegistry } from '../assets/registry.ts';
import type { Database } from '../db/client.ts';
import { accounts, autoTopUpSettings, topUps } from '../db/schema/index.ts';
import { invalid, notFound } from '../http/problem.ts';
import { createRouter, json } from '../http/router.ts';
import { hashRequest } from '../ids.ts';
import { describeSetting, listSettings } from '../payments/auto-top-up.ts';
import { withStripeCustomer } from '../payments/customers.ts';
import { callStripe } from '../payments/stripe.ts';
import { checkLimits, createCheckoutTopUp, priceUnits } from '../payments/top-ups.ts';
import type { PortalEnv, PortalSessionInfo } from './context.ts';

/** Where Stripe sends the customer back: a page of the platform's own origins, else the hosted portal. */
function returnUrlFor(portal: PortalSessionInfo, publicUrl: string, requested: string | undefined, path: string): string {
  if (!requested) return `${publicUrl}/portal/`;
  let origin: string;
  try {
    origin = new URL(requested).origin.toLowerCase();
  } catch {
    throw invalid([{ path, message: 'must be an absolute URL' }]);
  }
  const allowed = [
    ...portal.platform.portalConfig.allowed_origins,
    new URL(publicUrl).origin,
    new URL(portal.returnUrl).origin.toLowerCase(),
  ];
  if (!allowed.includes(origin)) throw invalid([{ path, message: 'must be on one of the platform’s allowed origins' }]);
  return requested;
}

/** The account must exist on the wallet and the asset must be priced in the platform currency. */
async function walletAsset(db: Database, portal: PortalSessionInfo, code: string, path: string) {
  const [account] = await db
    .select({ asset: accounts.assetCode })
    .from(accounts)
    .where(and(eq(accounts.customerId, portal.customerId), eq(accounts.assetCode, code)));
  const asset = account ? await AssetRegistry.one(db, portal.platform.id, code) : null;
  if (!asset) throw invalid([{ path, message: `the wallet has no ${code} account` }]);
  return asset;
}

export function topUpRoutes(deps: { db: Database; stripe: Stripe; publicUrl: string }) {
  const { db, stripe, publicUrl } = deps;
  return createRouter<PortalEnv>()
    .openapi(
      createRoute({
        method: 'post',
        path: '/top-ups',
        request: {
          body: {
            content: {
              'application/json': {
                schema: PortalTopUpRequest,
              },
            },
            required: true,
          },
        },
        responses: { 201: json(PortalTopUp, 'The Stripe Checkout page to send the customer to') },
      }),
      async (c) => {
        const portal = c.get('portal');
        const body = c.req.valid('json');
        const asset = await walletAsset(db, portal, body.asset, 'asset');
        if (!money(body.amount).greaterThan(0)) throw invalid([{ path: 'amount', message: 'must be greater than 0' }]);
        if (!fitsPrecision(body.amount, asset.precision)) {
          throw invalid([{ path: 'amount', message: `${asset.code} allows at most ${asset.precision} decimal places` }]);
        }
        const price = priceUnits(asset, body.amount, portal.platform.currency);
        checkLimits(portal.platform, price, 'amount');
        const back = returnUrlFor(portal, publicUrl, body.return_url, 'return_url');
        const topUp = await createCheckoutTopUp(db, stripe, {
          platform: portal.platform,
          customerId: portal.customerId,
          asset,
          price,
          description: `${asset.name} top-up`,
          idempotencyKey: body.idempotency_key,
          requestHash: hashRequest({ asset: asset.code, amount: price.units, save_card: body.save_card ?? false }),
          successUrl: back,
          cancelUrl: back,
          saveCard: body.save_card ?? false,
        });
        return c.json({ id: topUp.id, redirect_url: topUp.checkoutUrl ?? '', status: topUp.status }, 201);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/top-ups/{id}',
        request: { params: z.object({ id: z.string() }) },
        responses: { 200: json(z.object({ id: z.string(), status: z.string(), asset: z.string(), amount: z.string() }), 'The top-up') },
      }),
      async (c) => {
        const [row] = await db
          .select()
          .from(topUps)
          .where(and(eq(topUps.id, c.req.valid('param').id), eq(topUps.customerId, c.get('portal').customerId)));
        if (!row) throw notFound('The top-up');
        return c.json({ id: row.id, status: row.status, asset: row.assetCode, amount: row.amount, receipt_url: row.receiptUrl }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/auto-top-up',
        responses: { 200: json(z.array(AutoTopUpSetting), 'Auto top-up, per wallet account') },
      }),
      async (c) => c.json(await listSettings(db, c.get('portal').customerId), 200),
    )
    .openapi(
      createRoute({
        method: 'put',
        path: '/auto-top-up/{asset}',
        request: {
          params: z.object({ asset: z.string() }),
          body: {
            content: { 'application/json': { schema: AutoTopUpUpdate } },
            required: true,
          },
        },
        responses: { 200: json(AutoTopUpSetting, 'The setting; `setup_url` when a card must be saved first') },
      }),
      async (c) => {
        const portal = c.get('portal');
        const body = c.req.valid('json');
        const asset = await walletAsset(db, portal, c.req.valid('param').asset, 'asset');
        const errors = [];
        if (money(body.threshold).isNegative()) errors.push({ path: 'threshold', message: 'must not be negative' });
        if (!fitsPrecision(body.threshold, asset.precision))
          errors.push({ path: 'threshold', message: `${asset.code} allows at most ${asset.precision} decimal places` });
        if (!money(body.amount).greaterThan(0)) errors.push({ path: 'amount', message: 'must be greater than 0' });
        if (!fitsPrecision(body.amount, asset.precision))
          errors.push({ path: 'amount', message: `${asset.code} allows at most ${asset.precision} decimal places` });
        if (errors.length > 0) throw invalid(errors);
        if (body.enabled) checkLimits(portal.platform, priceUnits(asset, body.amount, portal.platform.currency), 'amount');
        // Everything that can refuse the request runs before the write: the return URL, then Stripe (a card to save).
        const back = body.enabled || body.return_url !== undefined ? returnUrlFor(portal, publicUrl, body.return_url, 'return_url') : null;
        const [current] = await db
          .select({ paymentMethodId: autoTopUpSettings.paymentMethodId })
          .from(autoTopUpSettings)
          .where(and(eq(autoTopUpSettings.customerId, portal.customerId), eq(autoTopUpSettings.assetCode, asset.code)));
        let setupUrl: string | null = null;
        if (body.enabled && !current?.paymentMethodId && back) {
          const session = await withStripeCustomer(db, stripe, portal.customerId, (customer) =>
            callStripe(() =>
              stripe.checkout.sessions.create({
                mode: 'setup',
                customer,
                currency: portal.platform.currency.toLowerCase(),
                metadata: {
                  purpose: 'auto_top_up',
                  credyt_customer_id: portal.customerId,
                  platform_id: portal.platform.id,
                  asset: asset.code,
                },
                success_url: withParam(back, 'credyt_card', 'saved'),
                cancel_url: withParam(back, 'credyt_card', 'cancelled'),
              }),
            ),
          );
          setupUrl = session.url;
        }
        // Changing the setting is the customer acting: it clears a pause and the failure count.
        const [row] = await db
          .insert(autoTopUpSettings)
          .values({
            customerId: portal.customerId,
            platformId: portal.platform.id,
            assetCode: asset.code,
            enabled: body.enabled,
            threshold: body.threshold,
            amount: body.amount,
          })
          .onConflictDoUpdate({
            target: [autoTopUpSettings.customerId, autoTopUpSettings.assetCode],
            set: {
              enabled: body.enabled,
              threshold: body.threshold,
              amount: body.amount,
              paused: false,
              failures: 0,
              updatedAt: new Date(),
            },
          })
          .returning();
        const setting: z.infer<typeof AutoTopUpSetting> = describeSetting(asset.code, row, false);
        if (body.enabled && !row?.paymentMethodId && setupUrl) setting.setup_url = setupUrl;
        return c.json(setting, 200);
      },
    );
}

function withParam(url: string, key: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(key, value);
  return u.toString();
}

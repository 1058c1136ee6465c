import { createRoute, z } from '@hono/zod-openapi';
import type Stripe from 'stripe';
import {
  AutoTopUpSetting,
  AutoTopUpUpdate,
  CardSetup,
  CardSetupRequest,
  fitsPrecision,
  money,
  toDecimalString,
  PortalTopUp,
  PortalTopUpRequest,
  TopUpUpdated,
  type FieldError,
  topUpDescription,
} from '@credyt/shared';
import type { AssetInfo } from '../catalog/registry.ts';
import type { Database } from '../db/client.ts';
import { invalid } from '../http/problem.ts';
import { createRouter, json } from '../http/router.ts';
import { hashRequest } from '../ids.ts';
import { cardSetupUrl, listSettings, updateSetting } from '../auto-top-up/service.ts';
import { checkLimits, createCheckoutTopUp, firstWalletAsset, priceUnits, topUpOf, walletAsset } from './service.ts';
import type { PortalEnv, PortalSessionInfo } from '../sessions/context.ts';

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

/**
 * An amount a person moves: above zero (or, for a threshold, not below it) and within the asset's precision. Each
 * error carries a `code` and its `params`, so the portal can say it in the customer's language.
 */
function amountErrors(asset: AssetInfo, value: string, path: string, zeroAllowed = false): FieldError[] {
  const amount = money(value);
  if (zeroAllowed ? amount.isNegative() : !amount.greaterThan(0)) {
    return [
      { path, message: zeroAllowed ? 'must not be negative' : 'must be greater than 0', code: zeroAllowed ? 'negative' : 'not_positive' },
    ];
  }
  if (!fitsPrecision(value, asset.precision)) {
    const precision = String(asset.precision);
    return [{ path, message: `${asset.code} allows at most ${precision} decimal places`, code: 'too_precise', params: { precision } }];
  }
  return [];
}

export function topUpRoutes(deps: { db: Database; stripe: Stripe; publicUrl: string }) {
  const { db, stripe, publicUrl } = deps;
  const accountAsset = (portal: PortalSessionInfo, code: string) => walletAsset(db, portal.customerId, portal.platform.id, code, 'asset');
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
        const asset = await accountAsset(portal, body.asset);
        const errors = amountErrors(asset, body.amount, 'amount');
        if (errors.length > 0) throw invalid(errors);
        const price = priceUnits(asset, body.amount, portal.platform.currency);
        checkLimits(portal.platform, price, 'amount');
        const back = returnUrlFor(portal, publicUrl, body.return_url, 'return_url');
        const topUp = await createCheckoutTopUp(db, stripe, {
          platform: portal.platform,
          customerId: portal.customerId,
          asset,
          price,
          description: topUpDescription(asset.name),
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
        responses: { 200: json(TopUpUpdated, 'The top-up') },
      }),
      async (c) => {
        const row = await topUpOf(db, { customerId: c.get('portal').customerId }, c.req.valid('param').id);
        return c.json(
          {
            id: row.id,
            status: row.status,
            asset: row.assetCode,
            amount: toDecimalString(row.amount),
            receipt_url: row.receiptUrl,
            kind: row.kind,
            fiat_amount: toDecimalString(row.fiatAmount),
            currency: row.currency,
            failure: row.failureCode ? { code: row.failureCode, message: row.failureMessage ?? '' } : null,
          },
          200,
        );
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
        const asset = await accountAsset(portal, c.req.valid('param').asset);
        const errors = [...amountErrors(asset, body.threshold, 'threshold', true), ...amountErrors(asset, body.amount, 'amount')];
        if (errors.length > 0) throw invalid(errors);
        if (body.enabled) checkLimits(portal.platform, priceUnits(asset, body.amount, portal.platform.currency), 'amount');
        // Everything that can refuse the request runs before the write: the return URL, then Stripe (a card to save).
        const back = body.enabled || body.return_url !== undefined ? returnUrlFor(portal, publicUrl, body.return_url, 'return_url') : null;
        return c.json(await updateSetting(db, stripe, portal.customerId, portal.platform, asset.code, body, back), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/auto-top-up/card-setup',
        request: { body: { content: { 'application/json': { schema: CardSetupRequest } }, required: true } },
        responses: { 200: json(CardSetup, 'Stripe’s page that saves the customer’s card (a new one replaces the old)') },
      }),
      async (c) => {
        const portal = c.get('portal');
        const body = c.req.valid('json');
        const back = returnUrlFor(portal, publicUrl, body.return_url, 'return_url');
        const assetCode = body.asset ? (await accountAsset(portal, body.asset)).code : await firstWalletAsset(db, portal.customerId);
        const setupUrl = await cardSetupUrl(db, stripe, portal.customerId, portal.platform, assetCode, back);
        if (!setupUrl) throw new Error('Stripe answered a setup session without a URL');
        return c.json({ setup_url: setupUrl }, 200);
      },
    );
}

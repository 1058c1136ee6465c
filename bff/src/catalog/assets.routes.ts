import { createRoute, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { ASSET_CODE_PATTERN, DecimalInput, isFiatCode, money, toDecimalString } from '@credyt/shared';
import { AssetRegistry, fiatInfo, rateTo, type AssetInfo } from './registry.ts';
import type { Database } from '../db/client.ts';
import { assets } from '../db/schema/index.ts';
import { createRouter, json } from '../http/router.ts';
import { conflict, invalid, notFound } from '../http/problem.ts';
import type { PlatformEnv } from '../tenancy/api-key.ts';

const Rate = z.object({
  source: z.string().refine(isFiatCode, 'must be an ISO 4217 currency code such as USD'),
  rate: DecimalInput.refine((v) => money(v).greaterThan(0), 'must be greater than 0'),
});

export const AssetCreate = z.object({
  code: z.string().regex(ASSET_CODE_PATTERN, 'must be 2–16 upper-case letters, digits or _ starting with a letter'),
  name: z.string().min(1).max(100),
  precision: z.number().int().min(0).max(18),
  symbol: z.string().max(8).optional(),
  label: z.string().max(40).optional(),
  /** The unit in the singular where `label` is a plural ("image credit" / "image credits"); the portal uses it for one. */
  label_singular: z.string().min(1).max(40).optional(),
  rates: z.array(Rate).max(20).default([]),
});

const AssetOut = z.object({
  code: z.string(),
  name: z.string(),
  precision: z.number().int(),
  symbol: z.string().nullable(),
  label: z.string().nullable(),
  label_singular: z.string().nullable(),
  fiat: z.boolean(),
  rates: z.array(z.object({ source: z.string(), rate: z.string() })),
});

export function presentAsset(a: AssetInfo): z.infer<typeof AssetOut> {
  return {
    code: a.code,
    name: a.name,
    precision: a.precision,
    symbol: a.symbol,
    label: a.label,
    label_singular: a.labelSingular,
    fiat: a.fiat,
    rates: a.rates,
  };
}

const CodeParam = z.object({ code: z.string() });

export function assetRoutes(db: Database) {
  return createRouter<PlatformEnv>()
    .openapi(
      createRoute({
        method: 'post',
        path: '/assets',
        request: { body: { content: { 'application/json': { schema: AssetCreate } }, required: true } },
        responses: { 201: json(AssetOut, 'The asset') },
      }),
      async (c) => {
        const body = c.req.valid('json');
        const platform = c.get('platform');
        if (isFiatCode(body.code)) throw invalid([{ path: 'code', message: `${body.code} is a built-in fiat currency` }]);
        const rates = body.rates.map((r) => ({ source: r.source.toUpperCase(), rate: r.rate }));
        const inserted = await db
          .insert(assets)
          .values({
            platformId: platform.id,
            code: body.code,
            name: body.name,
            precision: body.precision,
            symbol: body.symbol ?? null,
            label: body.label ?? null,
            labelSingular: body.label_singular ?? null,
            rates,
          })
          .onConflictDoNothing()
          .returning();
        const row = inserted[0];
        if (!row) throw conflict(`An asset with code ${body.code} already exists.`);
        return c.json(presentAsset({ ...row, fiat: false }), 201);
      },
    )
    .openapi(
      createRoute({ method: 'get', path: '/assets', responses: { 200: json(z.object({ data: z.array(AssetOut) }), 'Custom assets') } }),
      async (c) => {
        const rows = await db
          .select()
          .from(assets)
          .where(eq(assets.platformId, c.get('platform').id))
          .orderBy(assets.code);
        return c.json({ data: rows.map((r) => presentAsset({ ...r, fiat: false })) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/assets/{code}',
        request: { params: CodeParam },
        responses: { 200: json(AssetOut, 'The asset') },
      }),
      async (c) => {
        const asset = await AssetRegistry.one(db, c.get('platform').id, c.req.valid('param').code);
        if (!asset) throw notFound('The asset');
        return c.json(presentAsset(asset), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/assets/{code}/quote',
        request: {
          params: CodeParam,
          body: {
            content: { 'application/json': { schema: z.object({ source: z.string(), amount: DecimalInput }) } },
            required: true,
          },
        },
        responses: {
          200: json(
            z.object({ asset: z.string(), source: z.string(), amount: z.string(), units: z.string(), rate: z.string() }),
            'The quote',
          ),
        },
      }),
      async (c) => {
        const { source, amount } = c.req.valid('json');
        const asset = await AssetRegistry.one(db, c.get('platform').id, c.req.valid('param').code);
        if (!asset) throw notFound('The asset');
        const sourceAsset = fiatInfo(source);
        if (!sourceAsset) throw invalid([{ path: 'source', message: 'must be an ISO 4217 currency code such as USD' }]);
        const rate = rateTo(asset, sourceAsset.code);
        if (rate === null) throw invalid([{ path: 'source', message: `${asset.code} has no rate in ${sourceAsset.code}` }]);
        if (money(amount).isNegative()) throw invalid([{ path: 'amount', message: 'must not be negative' }]);
        const units = money(amount).dividedBy(rate).toDecimalPlaces(asset.precision, 1);
        return c.json({ asset: asset.code, source: sourceAsset.code, amount, units: toDecimalString(units), rate }, 200);
      },
    );
}

import { createRoute, z } from '@hono/zod-openapi';
import { ASSET_CODE_PATTERN, DecimalInput, isFiatCode, money } from '@credyt/shared';
import type { AssetInfo } from './registry.ts';
import type { Database } from '../db/client.ts';
import { ListOf, PageQuery, presentPage } from '../http/paging.ts';
import { WireAmount } from '../http/amounts-as-numbers.ts';
import { createRouter, json } from '../http/router.ts';
import type { PlatformEnv } from '../tenancy/api-key.ts';
import { assetOf, createAsset, listAssets, quoteAsset } from './service.ts';

const Rate = z.object({
  source: z.string().refine(isFiatCode, 'must be an ISO 4217 currency code such as USD'),
  rate: DecimalInput.refine((v) => money(v).greaterThan(0), 'must be greater than 0'),
});

const AssetCreate = z.object({
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
  rates: z.array(z.object({ source: z.string(), rate: WireAmount })),
});

function presentAsset(a: AssetInfo): z.infer<typeof AssetOut> {
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
      async (c) => c.json(presentAsset(await createAsset(db, c.get('platform').id, c.req.valid('json'))), 201),
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/assets',
        request: { query: PageQuery },
        responses: { 200: json(ListOf(AssetOut), 'Custom assets') },
      }),
      async (c) => {
        const query = c.req.valid('query');
        return c.json(presentPage(await listAssets(db, c.get('platform').id, query), query, presentAsset), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/assets/{code}',
        request: { params: CodeParam },
        responses: { 200: json(AssetOut, 'The asset') },
      }),
      async (c) => c.json(presentAsset(await assetOf(db, c.get('platform').id, c.req.valid('param').code)), 200),
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
            z.object({ asset: z.string(), source: z.string(), amount: WireAmount, units: WireAmount, rate: WireAmount }),
            'The quote',
          ),
        },
      }),
      async (c) => {
        const { source, amount } = c.req.valid('json');
        return c.json(await quoteAsset(db, c.get('platform').id, c.req.valid('param').code, source, amount), 200);
      },
    );
}

import { createRoute, z } from '@hono/zod-openapi';
import { DecimalInput, ExactNumber, money } from '@credyt/shared';
import type { Database } from '../db/client.ts';
import { ListOf, PageQuery, presentPage } from '../http/paging.ts';
import { createRouter, json } from '../http/router.ts';
import { WireAmount } from '../http/amounts-as-numbers.ts';
import { RECURRING_INTERVALS } from '../pricing/types.ts';
import type { PlatformEnv } from '../tenancy/api-key.ts';
import { createProduct, createProductVersion, listProducts, productOf, updateProductVersion, type ProductWithPrices } from './service.ts';

const NonNegative = DecimalInput.refine((v) => !money(v).isNegative(), 'must not be negative');
const Positive = DecimalInput.refine((v) => money(v).greaterThan(0), 'must be greater than 0');

const Leaf = z
  .object({
    name: z.string().min(1).max(100).optional(),
    unit_price: NonNegative.optional(),
    volume_rate: NonNegative.optional(),
    package_size: Positive.optional(),
  })
  .strict()
  .refine((v) => v.unit_price !== undefined || v.volume_rate !== undefined, 'give unit_price, volume_rate or (for unit_and_volume) both');

const Dimensional = z.object({
  name: z.string().min(1).max(100).optional(),
  dimensions: z.record(
    z.string(),
    z.preprocess((v) => (v instanceof ExactNumber ? v.text : v), z.union([z.string(), z.number(), z.boolean()])).transform(String),
  ),
  values: z.array(Leaf).min(1).max(20),
});

const Price = z.object({
  name: z.string().min(1).max(100),
  type: z.literal('usage_based'),
  billing_model: z.object({ type: z.literal('real_time') }),
  usage_calculation: z.object({
    event_type: z.string().min(1).max(100),
    usage_type: z.enum(['unit', 'volume', 'unit_and_volume']),
    volume_field: z.string().min(1).max(100).optional(),
    source_reference_field: z.string().min(1).max(100).optional(),
    billable_dimensions: z.array(z.string().min(1).max(100)).max(10).optional(),
  }),
  pricing: z
    .array(
      z.object({
        asset: z.string().min(1),
        values: z
          .array(z.union([Dimensional, Leaf]))
          .min(1)
          .max(100),
      }),
    )
    .min(1)
    .max(10),
  description: z.string().max(200).optional(),
});

/**
 * A recurring fixed fee, as Credyt's fixed-fee pricing takes it
 * (https://docs.dev.credyt.ai/features/product-catalog/fixed-fee-pricing): one amount in one asset, per interval.
 */
const FixedPrice = z.object({
  name: z.string().min(1).max(100),
  type: z.literal('fixed'),
  billing_model: z.object({ type: z.literal('recurring'), recurring: z.object({ interval: z.enum(RECURRING_INTERVALS) }) }),
  pricing: z
    .array(
      z.object({
        asset: z.string().min(1),
        values: z
          .array(z.object({ unit_price: Positive }).strict())
          .min(1)
          .max(1, 'a fixed price has one amount'),
      }),
    )
    .min(1)
    .max(1, 'a fixed price is charged in one asset'),
  description: z.string().max(200).optional(),
});

const AnyPrice = z.discriminatedUnion('type', [Price, FixedPrice]);

/**
 * Credits bundled with the product (Credyt's `entitlements`, https://docs.dev.credyt.ai/features/product-catalog/entitlements):
 * an asset and an amount each; what else Credyt's request says of one (its refresh schedule, its purpose) is kept as
 * sent, within bounds, for the grants that give entitlements their meaning.
 */
const Entitlement = z
  .looseObject({ asset: z.string().min(1).max(20), amount: Positive })
  .refine((e) => JSON.stringify(e).length <= 2000, 'is too large (at most 2,000 characters)');

const ProductCreate = z.object({
  name: z.string().min(1).max(200),
  code: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/i, 'must be 1–64 letters, digits, _ . or -'),
  prices: z.array(AnyPrice).min(1).max(20),
  entitlements: z.array(Entitlement).max(20).default([]),
  publish: z.boolean().default(true),
});

/** A new version: the product's name and prices again (its code does not change). */
const VersionCreate = ProductCreate.omit({ code: true });
const VersionUpdate = z.object({ publish: z.boolean().optional(), make_default: z.boolean().optional() });
const VersionNumber = z
  .string()
  .regex(/^[1-9]\d{0,8}$/, 'must be a version number')
  .transform(Number);

/**
 * A product at one version as Credyt answers it (https://docs.credyt.ai/quickstart/create-a-product): `{ id, code,
 * version, status, is_default }` beside that version's prices, and every version, newest first.
 */
function presentProduct({ product, version, versions, prices: rows }: ProductWithPrices) {
  return {
    id: product.id,
    code: product.code,
    name: version.name,
    version: version.version,
    status: version.status,
    is_default: version.version === product.defaultVersion,
    versions: versions.map((v) => ({
      version: v.version,
      status: v.status,
      is_default: v.version === product.defaultVersion,
      created_at: v.createdAt.toISOString(),
    })),
    publish: version.status === 'published',
    created_at: product.createdAt.toISOString(),
    entitlements: version.entitlements,
    prices: rows
      .sort((a, b) => a.position - b.position)
      .map((p) =>
        p.type === 'fixed'
          ? {
              id: p.id,
              name: p.name,
              type: 'fixed' as const,
              billing_model: { type: 'recurring' as const, recurring: { interval: p.recurringInterval } },
              pricing: p.pricing,
              description: p.description,
            }
          : {
              id: p.id,
              name: p.name,
              type: 'usage_based' as const,
              billing_model: { type: 'real_time' as const },
              usage_calculation: {
                event_type: p.eventType,
                usage_type: p.usageType,
                ...(p.volumeField ? { volume_field: p.volumeField } : {}),
                ...(p.sourceReferenceField ? { source_reference_field: p.sourceReferenceField } : {}),
                billable_dimensions: p.billableDimensions,
              },
              pricing: p.pricing,
              description: p.description,
            },
      ),
  };
}

const ProductStatus = z.enum(['draft', 'published']);
const ProductOut = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  version: z.number().int(),
  status: ProductStatus,
  is_default: z.boolean(),
  versions: z.array(z.object({ version: z.number().int(), status: ProductStatus, is_default: z.boolean(), created_at: z.string() })),
  publish: z.boolean(),
  created_at: z.string(),
  prices: z.array(z.any()),
  entitlements: z.array(z.looseObject({ asset: z.string(), amount: WireAmount })),
});

export function productRoutes(db: Database) {
  return createRouter<PlatformEnv>()
    .openapi(
      createRoute({
        method: 'post',
        path: '/products',
        request: { body: { content: { 'application/json': { schema: ProductCreate } }, required: true } },
        responses: { 201: json(ProductOut, 'The product with its prices') },
      }),
      async (c) => {
        const created = await createProduct(db, c.get('platform'), c.req.valid('json'));
        return c.json(presentProduct(created), 201);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/products',
        request: { query: PageQuery.extend({ code: z.string().min(1).optional() }) },
        responses: { 200: json(ListOf(ProductOut), 'Products, oldest first; `code` narrows to one') },
      }),
      async (c) => {
        const query = c.req.valid('query');
        return c.json(presentPage(await listProducts(db, c.get('platform').id, query, query), query, presentProduct), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/products/{id}',
        request: { params: z.object({ id: z.string() }) },
        responses: { 200: json(ProductOut, 'The product') },
      }),
      async (c) => c.json(presentProduct(await productOf(db, c.get('platform').id, c.req.valid('param').id)), 200),
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/products/{id}',
        request: {
          params: z.object({ id: z.string() }),
          body: { content: { 'application/json': { schema: VersionCreate } }, required: true },
        },
        responses: { 201: json(ProductOut, 'The new version; the default stays as it was') },
      }),
      async (c) => {
        const created = await createProductVersion(db, c.get('platform'), c.req.valid('param').id, c.req.valid('json'));
        return c.json(presentProduct(created), 201);
      },
    )
    .openapi(
      createRoute({
        method: 'patch',
        path: '/products/{id}/{version}',
        request: {
          params: z.object({ id: z.string(), version: VersionNumber }),
          body: { content: { 'application/json': { schema: VersionUpdate } }, required: true },
        },
        responses: { 200: json(ProductOut, 'The version, published and/or made the default') },
      }),
      async (c) => {
        const { id, version } = c.req.valid('param');
        return c.json(presentProduct(await updateProductVersion(db, c.get('platform').id, id, version, c.req.valid('json'))), 200);
      },
    );
}

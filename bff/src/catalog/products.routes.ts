import { createRoute, z } from '@hono/zod-openapi';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { DecimalInput, ExactNumber, money } from '@credyt/shared';
import { AssetRegistry } from './registry.ts';
import type { Database } from '../db/client.ts';
import { prices, products } from '../db/schema/index.ts';
import { conflict, invalid, notFound } from '../http/problem.ts';
import { createRouter, json } from '../http/router.ts';
import { newId } from '../ids.ts';
import type { DimensionalValue, PriceValue, PricingEntry } from '../pricing/types.ts';
import type { PlatformEnv } from '../tenancy/api-key.ts';
import type { FieldError } from '@credyt/shared';

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
  .refine((v) => (v.unit_price === undefined) !== (v.volume_rate === undefined), 'give exactly one of unit_price or volume_rate');

const Dimensional = z.object({
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
    usage_type: z.enum(['unit', 'volume']),
    volume_field: z.string().min(1).max(100).optional(),
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
type PriceInput = z.infer<typeof Price>;

export const ProductCreate = z.object({
  name: z.string().min(1).max(200),
  code: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/i, 'must be 1–64 letters, digits, _ . or -'),
  prices: z.array(Price).min(1).max(20),
  publish: z.boolean().default(true),
});

/** Rules a price must satisfy beyond its shape: the usage type decides which leaf values make sense. */
function checkPrice(price: PriceInput, index: number, registry: AssetRegistry): FieldError[] {
  const errors: FieldError[] = [];
  const at = (p: string) => `prices.${index}.${p}`;
  const { usage_type, volume_field, billable_dimensions = [] } = price.usage_calculation;
  if (usage_type === 'volume' && !volume_field)
    errors.push({ path: at('usage_calculation.volume_field'), message: 'is required for volume pricing' });
  price.pricing.forEach((entry, e) => {
    if (!registry.find(entry.asset)) errors.push({ path: at(`pricing.${e}.asset`), message: `unknown asset ${entry.asset}` });
    entry.values.forEach((value, v) => {
      const leaves: { leaf: z.infer<typeof Leaf>; path: string }[] = [];
      if ('dimensions' in value) {
        for (const key of Object.keys(value.dimensions)) {
          if (!billable_dimensions.includes(key))
            errors.push({
              path: at(`pricing.${e}.values.${v}.dimensions.${key}`),
              message: 'is not one of usage_calculation.billable_dimensions',
            });
        }
        value.values.forEach((leaf, l) => leaves.push({ leaf, path: at(`pricing.${e}.values.${v}.values.${l}`) }));
      } else {
        leaves.push({ leaf: value, path: at(`pricing.${e}.values.${v}`) });
      }
      for (const { leaf, path } of leaves) {
        if (usage_type === 'unit' && leaf.unit_price === undefined)
          errors.push({ path: `${path}.unit_price`, message: 'is required for unit pricing' });
        if (usage_type === 'volume' && leaf.volume_rate === undefined)
          errors.push({ path: `${path}.volume_rate`, message: 'is required for volume pricing' });
      }
    });
  });
  return errors;
}

function toPricing(price: PriceInput, registry: AssetRegistry): PricingEntry[] {
  const leaf = (l: z.infer<typeof Leaf>): PriceValue => ({
    name: l.name,
    unit_price: l.unit_price,
    volume_rate: l.volume_rate,
    package_size: l.package_size,
  });
  return price.pricing.map((entry) => ({
    asset: registry.get(entry.asset).code,
    values: entry.values.map((v): PriceValue | DimensionalValue =>
      'dimensions' in v ? { dimensions: v.dimensions, values: v.values.map(leaf) } : leaf(v),
    ),
  }));
}

type ProductRow = typeof products.$inferSelect;
type PriceRow = typeof prices.$inferSelect;

function presentProduct(product: ProductRow, rows: PriceRow[]) {
  return {
    id: product.id,
    code: product.code,
    name: product.name,
    publish: product.publish,
    created_at: product.createdAt.toISOString(),
    prices: rows
      .sort((a, b) => a.position - b.position)
      .map((p) => ({
        id: p.id,
        name: p.name,
        type: 'usage_based' as const,
        billing_model: { type: 'real_time' as const },
        usage_calculation: {
          event_type: p.eventType,
          usage_type: p.usageType,
          ...(p.volumeField ? { volume_field: p.volumeField } : {}),
          billable_dimensions: p.billableDimensions,
        },
        pricing: p.pricing,
        description: p.description,
      })),
  };
}

const ProductOut = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  publish: z.boolean(),
  created_at: z.string(),
  prices: z.array(z.any()),
});

async function loadProducts(db: Database, platformId: string, where: { id?: string }) {
  const rows = await db
    .select()
    .from(products)
    .where(and(eq(products.platformId, platformId), where.id ? eq(products.id, where.id) : undefined))
    .orderBy(asc(products.createdAt));
  if (rows.length === 0) return [];
  const priceRows = await db
    .select()
    .from(prices)
    .where(
      inArray(
        prices.productId,
        rows.map((r) => r.id),
      ),
    );
  return rows.map((p) =>
    presentProduct(
      p,
      priceRows.filter((r) => r.productId === p.id),
    ),
  );
}

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
        const body = c.req.valid('json');
        const platform = c.get('platform');
        const registry = await AssetRegistry.load(db, platform.id);
        const errors = body.prices.flatMap((p, i) => checkPrice(p, i, registry));
        if (errors.length > 0) throw invalid(errors);
        const id = newId('prp');
        const result = await db.transaction(async (tx) => {
          const inserted = await tx
            .insert(products)
            .values({ id, platformId: platform.id, code: body.code, name: body.name, publish: body.publish })
            .onConflictDoNothing()
            .returning();
          const product = inserted[0];
          if (!product) throw conflict(`A product with code ${body.code} already exists.`);
          const priceRows = await tx
            .insert(prices)
            .values(
              body.prices.map((p, position) => ({
                id: newId('price'),
                platformId: platform.id,
                productId: id,
                position,
                name: p.name,
                eventType: p.usage_calculation.event_type,
                usageType: p.usage_calculation.usage_type,
                volumeField: p.usage_calculation.volume_field ?? null,
                billableDimensions: p.usage_calculation.billable_dimensions ?? [],
                pricing: toPricing(p, registry),
                description: p.description ?? null,
              })),
            )
            .returning();
          return presentProduct(product, priceRows);
        });
        return c.json(result, 201);
      },
    )
    .openapi(
      createRoute({ method: 'get', path: '/products', responses: { 200: json(z.object({ data: z.array(ProductOut) }), 'Products') } }),
      async (c) => c.json({ data: await loadProducts(db, c.get('platform').id, {}) }, 200),
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/products/{id}',
        request: { params: z.object({ id: z.string() }) },
        responses: { 200: json(ProductOut, 'The product') },
      }),
      async (c) => {
        const [product] = await loadProducts(db, c.get('platform').id, { id: c.req.valid('param').id });
        if (!product) throw notFound('The product');
        return c.json(product, 200);
      },
    );
}

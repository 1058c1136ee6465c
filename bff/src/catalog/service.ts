// Catalog: what a platform sells and in what, its custom assets (with their rates) and its products and prices.
// Owns `assets`, `products` and `prices`; registry.ts is the asset model every other feature reads them through.
import { and, asc, count, eq, inArray } from 'drizzle-orm';
import { isFiatCode, money, toDecimalString, type FieldError } from '@credyt/shared';
import type { Database } from '../db/client.ts';
import { assets, prices, products } from '../db/schema/index.ts';
import type { Page, PageRequest } from '../http/paging.ts';
import { conflict, invalid, notFound } from '../http/problem.ts';
import { newId } from '../ids.ts';
import type { DimensionalValue, PriceValue, PricingEntry } from '../pricing/types.ts';
import { AssetRegistry, fiatInfo, rateTo, type AssetInfo } from './registry.ts';

export type ProductRow = typeof products.$inferSelect;
export type PriceRow = typeof prices.$inferSelect;

export interface AssetInput {
  code: string;
  name: string;
  precision: number;
  symbol?: string | undefined;
  label?: string | undefined;
  label_singular?: string | undefined;
  rates: { source: string; rate: string }[];
}

export interface PriceInput {
  name: string;
  usage_calculation: {
    event_type: string;
    usage_type: 'unit' | 'volume';
    volume_field?: string | undefined;
    billable_dimensions?: string[] | undefined;
  };
  pricing: PricingEntry[];
  description?: string | undefined;
}

export interface ProductInput {
  name: string;
  code: string;
  prices: PriceInput[];
  publish: boolean;
}

/** A product with its prices, as stored. */
export interface ProductWithPrices {
  product: ProductRow;
  prices: PriceRow[];
}

/** Creates a custom asset; the built-in fiat codes are taken, and a platform's codes are unique. */
export async function createAsset(db: Database, platformId: string, body: AssetInput): Promise<AssetInfo> {
  if (isFiatCode(body.code)) throw invalid([{ path: 'code', message: `${body.code} is a built-in fiat currency` }]);
  const rates = body.rates.map((r) => ({ source: r.source.toUpperCase(), rate: r.rate }));
  const inserted = await db
    .insert(assets)
    .values({
      platformId,
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
  return { ...row, fiat: false };
}

/** A page of the platform's custom assets, by code. */
export async function listAssets(db: Database, platformId: string, page: PageRequest): Promise<Page<AssetInfo>> {
  const mine = eq(assets.platformId, platformId);
  const [rows, [total]] = await Promise.all([
    db.select().from(assets).where(mine).orderBy(assets.code).limit(page.limit).offset(page.offset),
    db.select({ n: count() }).from(assets).where(mine),
  ]);
  return { rows: rows.map((r) => ({ ...r, fiat: false })), total: total?.n ?? 0 };
}

/** A fiat currency or one of the platform's assets; another platform's is as unknown as a made-up one. */
export async function assetOf(db: Database, platformId: string, code: string): Promise<AssetInfo> {
  const asset = await AssetRegistry.one(db, platformId, code);
  if (!asset) throw notFound('The asset');
  return asset;
}

/** How many whole units (to the asset's precision, rounded down) `amount` of a fiat `source` buys. */
export async function quoteAsset(db: Database, platformId: string, code: string, source: string, amount: string) {
  const asset = await assetOf(db, platformId, code);
  const sourceAsset = fiatInfo(source);
  if (!sourceAsset) throw invalid([{ path: 'source', message: 'must be an ISO 4217 currency code such as USD' }]);
  const rate = rateTo(asset, sourceAsset.code);
  if (rate === null) throw invalid([{ path: 'source', message: `${asset.code} has no rate in ${sourceAsset.code}` }]);
  if (money(amount).isNegative()) throw invalid([{ path: 'amount', message: 'must not be negative' }]);
  const units = money(amount).dividedBy(rate).toDecimalPlaces(asset.precision, 1);
  return { asset: asset.code, source: sourceAsset.code, amount, units: toDecimalString(units), rate };
}

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
      const leaves: { leaf: PriceValue; path: string }[] = [];
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

/** The pricing as stored: asset codes as the registry spells them, leaves with only the fields a fee reads. */
function toPricing(price: PriceInput, registry: AssetRegistry): PricingEntry[] {
  const leaf = (l: PriceValue): PriceValue => ({
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

/** Creates the product and its prices in one transaction, once every price is valid against the platform's assets. */
export async function createProduct(db: Database, platformId: string, body: ProductInput): Promise<ProductWithPrices> {
  const registry = await AssetRegistry.load(db, platformId);
  const errors = body.prices.flatMap((p, i) => checkPrice(p, i, registry));
  if (errors.length > 0) throw invalid(errors);
  const id = newId('prp');
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(products)
      .values({ id, platformId, code: body.code, name: body.name, publish: body.publish })
      .onConflictDoNothing()
      .returning();
    const product = inserted[0];
    if (!product) throw conflict(`A product with code ${body.code} already exists.`);
    const priceRows = await tx
      .insert(prices)
      .values(
        body.prices.map((p, position) => ({
          id: newId('price'),
          platformId,
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
    return { product, prices: priceRows };
  });
}

/** A page of the platform's products with their prices, oldest first; `id` or `code` narrows to one. */
export async function listProducts(
  db: Database,
  platformId: string,
  filter: { id?: string | undefined; code?: string | undefined },
  page: PageRequest = { limit: 1, offset: 0 },
): Promise<Page<ProductWithPrices>> {
  const where = and(
    eq(products.platformId, platformId),
    filter.id ? eq(products.id, filter.id) : undefined,
    filter.code ? eq(products.code, filter.code) : undefined,
  );
  const [rows, [total]] = await Promise.all([
    db.select().from(products).where(where).orderBy(asc(products.createdAt), asc(products.id)).limit(page.limit).offset(page.offset),
    db.select({ n: count() }).from(products).where(where),
  ]);
  if (rows.length === 0) return { rows: [], total: total?.n ?? 0 };
  const priceRows = await db
    .select()
    .from(prices)
    .where(
      inArray(
        prices.productId,
        rows.map((r) => r.id),
      ),
    );
  return { rows: rows.map((product) => ({ product, prices: priceRows.filter((r) => r.productId === product.id) })), total: total?.n ?? 0 };
}

/** One of the platform's products. */
export async function productOf(db: Database, platformId: string, id: string): Promise<ProductWithPrices> {
  const [found] = (await listProducts(db, platformId, { id })).rows;
  if (!found) throw notFound('The product');
  return found;
}

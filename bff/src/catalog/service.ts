// Catalog: what a platform sells and in what, its custom assets (with their rates) and its products and prices.
// Owns `assets`, `products` and `prices`; registry.ts is the asset model every other feature reads them through.
import { and, asc, count, desc, eq, inArray, max, or } from 'drizzle-orm';
import { fitsPrecision, isFiatCode, money, toDecimalString, type FieldError } from '@credyt/shared';
import type { Database, Executor } from '../db/client.ts';
import { assets, prices, products, productVersions, type Entitlement } from '../db/schema/index.ts';
import type { Page, PageRequest } from '../http/paging.ts';
import { conflict, invalid, notFound } from '../http/problem.ts';
import { newId } from '../ids.ts';
import type { DimensionalValue, PriceValue, PricingEntry, RecurringInterval, UsageType } from '../pricing/types.ts';
import { stripeMinimumCharge } from '../stripe/minimum-charge.ts';
import { AssetRegistry, fiatInfo, rateTo, type AssetInfo } from './registry.ts';

export type ProductRow = typeof products.$inferSelect;
export type PriceRow = typeof prices.$inferSelect;
export type ProductVersionRow = typeof productVersions.$inferSelect;

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
    usage_type: UsageType;
    volume_field?: string | undefined;
    source_reference_field?: string | undefined;
    billable_dimensions?: string[] | undefined;
  };
  pricing: PricingEntry[];
  description?: string | undefined;
}

/** A recurring fixed fee (https://docs.dev.credyt.ai/features/product-catalog/fixed-fee-pricing): one amount, per interval. */
export interface FixedPriceInput {
  name: string;
  type: 'fixed';
  billing_model: { type: 'recurring'; recurring: { interval: RecurringInterval } };
  pricing: { asset: string; values: { unit_price: string }[] }[];
  description?: string | undefined;
}

export type AnyPriceInput = PriceInput | FixedPriceInput;
const isFixed = (p: AnyPriceInput): p is FixedPriceInput => 'type' in p && p.type === 'fixed';

export interface ProductInput extends ProductVersionInput {
  code: string;
}

/** A product at one of its versions: that version's prices, and every version the product has, newest first. */
export interface ProductWithPrices {
  product: ProductRow;
  version: ProductVersionRow;
  versions: ProductVersionRow[];
  prices: PriceRow[];
}

/** A new version of a product: Credyt's `POST /products/{id}` body. */
export interface ProductVersionInput {
  name: string;
  prices: AnyPriceInput[];
  /** Bundled credits (Credyt's `entitlements`): stored with the version. */
  entitlements?: Entitlement[] | undefined;
  publish: boolean;
}

/** The platform a catalog write is for: its id, and its currency (recurring fees are charged in it). */
export interface PlatformRef {
  id: string;
  currency: string;
}

/** `default` or a version number, as `/products/{id}/{version}` names one. */
export type VersionRef = number | 'default';

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
  if (usage_type !== 'unit' && !volume_field)
    errors.push({ path: at('usage_calculation.volume_field'), message: `is required for ${usage_type} pricing` });
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
        if (usage_type === 'unit' && leaf.volume_rate !== undefined)
          errors.push({ path: `${path}.volume_rate`, message: 'is for volume pricing (usage_type volume or unit_and_volume)' });
        if (usage_type === 'volume' && leaf.volume_rate === undefined)
          errors.push({ path: `${path}.volume_rate`, message: 'is required for volume pricing' });
        if (usage_type === 'volume' && leaf.unit_price !== undefined)
          errors.push({ path: `${path}.unit_price`, message: 'is for unit pricing (usage_type unit or unit_and_volume)' });
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
      'dimensions' in v ? { name: v.name, dimensions: v.dimensions, values: v.values.map(leaf) } : leaf(v),
    ),
  }));
}

/**
 * A recurring fee is charged by card through Stripe: in the platform's currency, one amount that the currency's
 * precision can hold and that Stripe can charge (at least its minimum charge).
 */
function checkFixedPrice(price: FixedPriceInput, index: number, currency: string): FieldError[] {
  const at = (p: string) => `prices.${index}.${p}`;
  const [entry] = price.pricing;
  if (!entry) return [{ path: at('pricing'), message: 'give the fee in one asset' }];
  if (entry.asset.toUpperCase() !== currency)
    return [{ path: at('pricing.0.asset'), message: `a recurring fee is charged in the platform's currency, ${currency}` }];
  const amount = entry.values[0]?.unit_price ?? '0';
  const precision = fiatInfo(currency)?.precision ?? 2;
  const minimum = stripeMinimumCharge(currency);
  if (money(amount).decimalPlaces() > precision)
    return [{ path: at('pricing.0.values.0.unit_price'), message: `${currency} allows at most ${precision} decimal places` }];
  if (money(amount).lessThan(minimum))
    return [{ path: at('pricing.0.values.0.unit_price'), message: `must be at least ${minimum} ${currency}, the least Stripe can charge` }];
  return [];
}

/** Each entitlement's asset exists and its amount fits the asset's precision; amounts kept as exact text. */
function checkEntitlements(list: Entitlement[], registry: AssetRegistry): Entitlement[] {
  const errors = list.flatMap((e, i) => {
    const asset = registry.find(e.asset);
    if (!asset) return [{ path: `entitlements.${i}.asset`, message: `unknown asset ${e.asset}` }];
    return fitsPrecision(e.amount, asset.precision)
      ? []
      : [{ path: `entitlements.${i}.amount`, message: `${asset.code} allows at most ${asset.precision} decimal places` }];
  });
  if (errors.length > 0) throw invalid(errors);
  return list.map((e) => ({ ...e, asset: registry.get(e.asset).code, amount: toDecimalString(e.amount) }));
}

function checkPrices(list: AnyPriceInput[], registry: AssetRegistry, currency: string) {
  const errors = list.flatMap((p, i) => (isFixed(p) ? checkFixedPrice(p, i, currency) : checkPrice(p, i, registry)));
  if (errors.length > 0) throw invalid(errors);
}

function insertPrices(
  tx: Executor,
  platformId: string,
  productId: string,
  version: number,
  list: AnyPriceInput[],
  registry: AssetRegistry,
) {
  return tx
    .insert(prices)
    .values(
      list.map((p, position) => {
        const common = { id: newId('price'), platformId, productId, version, position, name: p.name, description: p.description ?? null };
        if (isFixed(p))
          return {
            ...common,
            type: 'fixed' as const,
            recurringInterval: p.billing_model.recurring.interval,
            billableDimensions: [],
            pricing: p.pricing.map((e) => ({ asset: e.asset.toUpperCase(), values: e.values.map((v) => ({ unit_price: v.unit_price })) })),
          };
        return {
          ...common,
          eventType: p.usage_calculation.event_type,
          usageType: p.usage_calculation.usage_type,
          volumeField: p.usage_calculation.volume_field ?? null,
          sourceReferenceField: p.usage_calculation.source_reference_field ?? null,
          billableDimensions: p.usage_calculation.billable_dimensions ?? [],
          pricing: toPricing(p, registry),
        };
      }),
    )
    .returning();
}

const statusOf = (publish: boolean) => (publish ? ('published' as const) : ('draft' as const));

/** Creates the product, its first version (the default) and its prices in one transaction, once every price is valid. */
export async function createProduct(db: Database, platform: PlatformRef, body: ProductInput): Promise<ProductWithPrices> {
  const platformId = platform.id;
  const registry = await AssetRegistry.load(db, platformId);
  checkPrices(body.prices, registry, platform.currency);
  const entitlements = checkEntitlements(body.entitlements ?? [], registry);
  const id = newId('prp');
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(products)
      .values({ id, platformId, code: body.code, name: body.name, publish: body.publish, defaultVersion: 1 })
      .onConflictDoNothing()
      .returning();
    const product = inserted[0];
    if (!product) throw conflict(`A product with code ${body.code} already exists.`);
    const [version] = await tx
      .insert(productVersions)
      .values({ productId: id, version: 1, name: body.name, status: statusOf(body.publish), entitlements })
      .returning();
    const priceRows = await insertPrices(tx, platformId, id, 1, body.prices, registry);
    return { product, version: version!, versions: [version!], prices: priceRows };
  });
}

/**
 * Adds the next version of a product with new prices. It is not the default: customers keep the version they have
 * and new subscriptions take the default until `PATCH /products/{id}/{version}` makes this one it.
 */
/**
 * Locks the platform's product row (404 when it has none): the lock that numbers versions, so two requests at once
 * get 2 and 3, never 2 twice, and that orders a version's publish and default changes.
 */
async function lockProduct(tx: Executor, platformId: string, productId: string): Promise<void> {
  const [product] = await tx
    .select({ id: products.id })
    .from(products)
    .where(and(eq(products.platformId, platformId), eq(products.id, productId)))
    .for('update');
  if (!product) throw notFound('The product');
}

export async function createProductVersion(
  db: Database,
  platform: PlatformRef,
  productId: string,
  body: ProductVersionInput,
): Promise<ProductWithPrices> {
  const platformId = platform.id;
  const registry = await AssetRegistry.load(db, platformId);
  checkPrices(body.prices, registry, platform.currency);
  const entitlements = checkEntitlements(body.entitlements ?? [], registry);
  const number = await db.transaction(async (tx) => {
    await lockProduct(tx, platformId, productId);
    const [latest] = await tx
      .select({ n: max(productVersions.version) })
      .from(productVersions)
      .where(eq(productVersions.productId, productId));
    const next = (latest?.n ?? 0) + 1;
    await tx.insert(productVersions).values({ productId, version: next, name: body.name, status: statusOf(body.publish), entitlements });
    await insertPrices(tx, platformId, productId, next, body.prices, registry);
    return next;
  });
  return productOf(db, platformId, productId, number);
}

/** Publishes a version and/or makes it the default; a draft cannot be the default, a published version stays published. */
export async function updateProductVersion(
  db: Database,
  platformId: string,
  productId: string,
  version: number,
  change: { publish?: boolean | undefined; make_default?: boolean | undefined },
): Promise<ProductWithPrices> {
  await db.transaction(async (tx) => {
    await lockProduct(tx, platformId, productId);
    const [row] = await tx
      .select()
      .from(productVersions)
      .where(and(eq(productVersions.productId, productId), eq(productVersions.version, version)));
    if (!row) throw notFound('The product version', 'version');
    const errors: FieldError[] = [];
    if (change.publish === false && row.status === 'published')
      errors.push({ path: 'publish', message: 'a published version cannot go back to draft' });
    const status = change.publish ? 'published' : row.status;
    if (change.make_default && status !== 'published')
      errors.push({ path: 'make_default', message: 'only a published version can be the default' });
    if (errors.length > 0) throw invalid(errors);
    if (status !== row.status)
      await tx
        .update(productVersions)
        .set({ status })
        .where(and(eq(productVersions.productId, productId), eq(productVersions.version, version)));
    if (change.make_default) await tx.update(products).set({ defaultVersion: version }).where(eq(products.id, productId));
  });
  return productOf(db, platformId, productId, version);
}

/**
 * A page of the platform's products, oldest first, each at its default version; `id` or `code` narrows to one.
 * `version` shows the one product at that version instead.
 */
export async function listProducts(
  db: Database,
  platformId: string,
  filter: { id?: string | undefined; code?: string | undefined; version?: VersionRef },
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
  const shown = new Map(
    rows.map((r) => [r.id, filter.version === undefined || filter.version === 'default' ? r.defaultVersion : filter.version]),
  );
  const ids = rows.map((r) => r.id);
  const [versionRows, priceRows] = await Promise.all([
    db.select().from(productVersions).where(inArray(productVersions.productId, ids)).orderBy(desc(productVersions.version)),
    db
      .select()
      .from(prices)
      .where(or(...rows.map((r) => and(eq(prices.productId, r.id), eq(prices.version, shown.get(r.id)!))))),
  ]);
  const views = rows.flatMap((product): ProductWithPrices[] => {
    const versions = versionRows.filter((v) => v.productId === product.id);
    const version = versions.find((v) => v.version === shown.get(product.id));
    if (!version) return [];
    return [{ product, version, versions, prices: priceRows.filter((r) => r.productId === product.id) }];
  });
  return { rows: views, total: total?.n ?? 0 };
}

/** One of the platform's products, at its default version or the one asked for. */
export async function productOf(db: Database, platformId: string, id: string, version: VersionRef = 'default'): Promise<ProductWithPrices> {
  const [found] = (await listProducts(db, platformId, { id, version })).rows;
  if (found) return found;
  if (version !== 'default' && (await listProducts(db, platformId, { id })).rows.length > 0)
    throw notFound('The product version', 'version');
  throw notFound('The product');
}

import { and, eq } from 'drizzle-orm';
import { fiatAsset, money, toLedgerScale } from '@credyt/shared';
import type { Database } from '../db/client.ts';
import { assets } from '../db/schema/index.ts';

/** An asset as the domain uses it: a built-in fiat currency or one of the platform's custom assets. */
export interface AssetInfo {
  code: string;
  name: string;
  precision: number;
  symbol: string | null;
  label: string | null;
  labelSingular: string | null;
  fiat: boolean;
  rates: { source: string; rate: string }[];
}

export function fiatInfo(code: string): AssetInfo | null {
  const fiat = fiatAsset(code);
  if (!fiat) return null;
  return {
    code: fiat.code,
    name: fiat.name,
    precision: fiat.precision,
    symbol: fiat.symbol,
    label: null,
    labelSingular: null,
    fiat: true,
    rates: [],
  };
}

/** All assets a platform can use, by code: its custom assets; fiat ones are resolved on demand. */
export class AssetRegistry {
  constructor(private readonly custom: Map<string, AssetInfo>) {}

  static async load(db: Database, platformId: string, codes?: string[]): Promise<AssetRegistry> {
    const rows = await db.select().from(assets).where(eq(assets.platformId, platformId));
    const map = new Map<string, AssetInfo>();
    for (const row of rows) {
      if (codes && !codes.includes(row.code)) continue;
      map.set(row.code, { ...row, fiat: false });
    }
    return new AssetRegistry(map);
  }

  static async one(db: Database, platformId: string, code: string): Promise<AssetInfo | null> {
    const fiat = fiatInfo(code);
    if (fiat) return fiat;
    const [row] = await db
      .select()
      .from(assets)
      .where(and(eq(assets.platformId, platformId), eq(assets.code, code)));
    return row ? { ...row, fiat: false } : null;
  }

  find(code: string): AssetInfo | null {
    return fiatInfo(code) ?? this.custom.get(code) ?? null;
  }

  get(code: string): AssetInfo {
    const asset = this.find(code);
    if (!asset) throw new Error(`unknown asset ${code}`);
    return asset;
  }
}

/** The rate of one unit of `asset` in `currency`, or null when none is known. */
export function rateTo(asset: AssetInfo, currency: string): string | null {
  if (asset.fiat) return asset.code === currency ? '1' : null;
  return asset.rates.find((r) => r.source === currency)?.rate ?? null;
}

export function fiatValue(amount: string, asset: AssetInfo, currency: string): string | null {
  const rate = rateTo(asset, currency);
  return rate === null ? null : toLedgerScale(money(amount).times(rate));
}

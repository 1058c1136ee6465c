import type { PortalAsset } from '@credyt/shared';
import { fiatInfo, rateTo, type AssetInfo } from './registry.ts';

/** The portal's view of an asset: a custom asset row when there is one, else the built-in fiat currency. */
export function assetInfo(
  code: string,
  custom: {
    name: string | null;
    precision: number | null;
    symbol: string | null;
    label: string | null;
    labelSingular: string | null;
    rates: { source: string; rate: string }[] | null;
  },
): AssetInfo {
  if (custom.name !== null && custom.precision !== null) {
    return {
      code,
      name: custom.name,
      precision: custom.precision,
      symbol: custom.symbol,
      label: custom.label,
      labelSingular: custom.labelSingular,
      fiat: false,
      rates: custom.rates ?? [],
    };
  }
  return fiatInfo(code) ?? { code, name: code, precision: 2, symbol: null, label: null, labelSingular: null, fiat: false, rates: [] };
}

export function presentAsset(asset: AssetInfo, currency: string): PortalAsset {
  return {
    code: asset.code,
    name: asset.name,
    symbol: asset.symbol,
    label: asset.label,
    label_singular: asset.labelSingular,
    precision: asset.precision,
    fiat: asset.fiat,
    rate: rateTo(asset, currency),
  };
}

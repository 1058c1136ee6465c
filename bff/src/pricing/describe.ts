import type { AssetInfo } from '../catalog/registry.ts';
import { formatAmount } from '@credyt/shared';
import type { PriceValue } from './types.ts';

/** "$0.50 per event", "$1.25 per 1,000,000 input_tokens", "1 IMG per image". */
export function describePriceValue(value: PriceValue, asset: AssetInfo, unitLabel: string): string {
  const price = value.unit_price ?? value.volume_rate ?? '0';
  const amount = formatAmount(price, asset, 'en', { exact: true });
  if (value.unit_price !== undefined) return `${amount} per ${unitLabel}`;
  const size = value.package_size ?? '1';
  const per = size === '1' ? '' : `${new Intl.NumberFormat('en').format(BigInt(size.split('.')[0] ?? '1'))} `;
  return `${amount} per ${per}${unitLabel}`;
}

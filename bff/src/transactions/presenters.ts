import { toDecimalString, type Transaction } from '@credyt/shared';
import type { EntryRow } from '../wallet/ledger.ts';

export function presentTransaction(e: EntryRow): Transaction {
  return {
    id: e.id,
    created_at: e.createdAt.toISOString(),
    occurred_at: e.occurredAt.toISOString(),
    category: e.category,
    description: e.description,
    amount: toDecimalString(e.amount),
    asset: e.assetCode,
    balance_after: toDecimalString(e.balanceAfter),
    receipt_url: e.receiptUrl,
    product: e.productCode ? { code: e.productCode, name: e.productName ?? e.productCode } : null,
    group: null,
  };
}

export const CSV_COLUMNS = [
  'id',
  'occurred_at',
  'created_at',
  'category',
  'description',
  'amount',
  'asset',
  'balance_after',
  'fiat_amount',
  'fiat_currency',
  'receipt_url',
];

/** A spreadsheet would run a cell starting with = + - @ as a formula: free text gets a leading quote. */
const inert = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);

export function csvRecord(e: EntryRow): string[] {
  return [
    e.id,
    e.occurredAt.toISOString(),
    e.createdAt.toISOString(),
    e.category,
    inert(e.description),
    toDecimalString(e.amount),
    e.assetCode,
    toDecimalString(e.balanceAfter),
    e.fiatAmount === null ? '' : toDecimalString(e.fiatAmount),
    e.fiatCurrency ?? '',
    e.receiptUrl ?? '',
  ];
}

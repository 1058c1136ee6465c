import { sql, type SQL } from 'drizzle-orm';
import { customType } from 'drizzle-orm/pg-core';
import { LEDGER_INTEGER_DIGITS, LEDGER_SCALE, toDecimalString } from '@credyt/shared';

/**
 * An amount as the ledger stores it: `numeric(38, 18)`, LEDGER_SCALE (18) decimal places and at most
 * LEDGER_INTEGER_DIGITS (20) integer digits. Every sum of such values is exact, so balance = Σ entries holds by
 * construction; a value beyond the range is refused (SQLSTATE 22003) rather than stored. PostgreSQL pads the text to
 * 18 places; it is read back in canonical form ("1.5", not "1.500000000000000000").
 */
export const ledgerAmount = customType<{ data: string; driverData: string }>({
  dataType: () => `numeric(${LEDGER_INTEGER_DIGITS + LEDGER_SCALE}, ${LEDGER_SCALE})`,
  fromDriver: (value) => toDecimalString(String(value)),
  toDriver: (value) => value,
});

/**
 * Spend rollups: the same scale with 10 more integer digits, since a day's spend sums many in-range debits (and
 * a balance may be topped up again and again) and must never refuse a debit the ledger itself accepts.
 */
export const rollupAmount = customType<{ data: string; driverData: string }>({
  dataType: () => `numeric(${LEDGER_INTEGER_DIGITS + 10 + LEDGER_SCALE}, ${LEDGER_SCALE})`,
  fromDriver: (value) => toDecimalString(String(value)),
  toDriver: (value) => value,
});

/** SQL string literals for an `in (…)` check built from one of the shared enums (`CATEGORIES`, `TopUpStatus`). */
export const literals = (values: readonly string[]): SQL => sql.raw(values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', '));

import { z } from 'zod';
import { DECIMAL_PATTERN, fitsLedger, LEDGER_INTEGER_DIGITS, LEDGER_SCALE, toDecimalString } from './money.ts';

/** A decimal amount as it travels in JSON responses: a string, so no JSON reader rounds it. */
export const DecimalString = z.string().regex(DECIMAL_PATTERN, 'must be a decimal number such as "12.50"');

/** A sign, 20 integer digits, a point and 18 decimals: the longest amount the ledger holds. */
const MAX_DECIMAL_LENGTH = 1 + LEDGER_INTEGER_DIGITS + 1 + LEDGER_SCALE;

/**
 * A JSON number that a binary float cannot hold exactly (a fraction, or an integer beyond 2^53), as the BFF's
 * lossless parser hands it over: its exact text. Not a string, so a field typed as text still refuses it; stored
 * inside free-form JSON (`data`, `metadata`) it is written as that text.
 */
export class ExactNumber {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
  toJSON(): string {
    return this.text;
  }
}

/** A JSON number or a decimal string, as text: what reads amounts and volumes out of free-form `data`. */
export function numericText(value: unknown): string | null {
  if (value instanceof ExactNumber) return value.text;
  if (typeof value === 'number') return Number.isFinite(value) ? numberToPlain(value) : null;
  if (typeof value === 'string') return value.trim();
  return null;
}

/**
 * A decimal amount on input: a JSON number or a decimal string, normalised to canonical text.
 * (The BFF parses request bodies losslessly, so a JSON number arrives here with every digit it was sent with.)
 */
export const DecimalInput = z
  .preprocess((v) => (v instanceof ExactNumber ? v.text : v), z.union([z.number(), z.string()]))
  .transform((v, ctx) => {
    const text = typeof v === 'number' ? (Number.isFinite(v) ? numberToPlain(v) : '') : v.trim();
    if (text.length > MAX_DECIMAL_LENGTH) {
      ctx.addIssue({ code: 'custom', message: `must have at most ${MAX_DECIMAL_LENGTH} characters` });
      return z.NEVER;
    }
    if (!DECIMAL_PATTERN.test(text)) {
      ctx.addIssue({ code: 'custom', message: 'must be a decimal number such as 12.5 or "12.50"' });
      return z.NEVER;
    }
    if (!fitsLedger(text)) {
      ctx.addIssue({
        code: 'custom',
        message: `must have at most ${LEDGER_SCALE} decimal places and be below 10^${LEDGER_INTEGER_DIGITS} (the ledger keeps amounts exactly)`,
      });
      return z.NEVER;
    }
    return toDecimalString(text);
  });

function numberToPlain(n: number): string {
  // Only safe integers reach here as numbers (the lossless parser keeps anything else as an ExactNumber).
  return Number.isSafeInteger(n) ? String(n) : String(n).includes('e') ? '' : String(n);
}

/**
 * Stripe's documented test card numbers (https://docs.stripe.com/testing) and how each behaves.
 * Any other Luhn-valid number behaves like 4242 4242 4242 4242.
 */

export interface CardDecline {
  code: string;
  declineCode: string;
  message: string;
  /** `charge`: saving the card works, only charging it fails (4000 0000 0000 0341, 9995). */
  on: 'any' | 'charge';
}

/**
 * When the issuer asks for 3D Secure: `on_session` cards (…3155) authenticate once when set up and are then
 * charged off-session without it; `always` cards (…3184) need it on every payment, so off-session fails.
 */
export type CardAuthentication = 'none' | 'on_session' | 'always';

export interface TestCard {
  number: string;
  brand: 'visa' | 'mastercard' | 'amex' | 'discover' | 'diners' | 'jcb' | 'unionpay' | 'unknown';
  last4: string;
  authentication: CardAuthentication;
  decline: CardDecline | null;
}

const declined = 'Your card was declined.';

const special: Record<string, Pick<TestCard, 'authentication' | 'decline'>> = {
  '4000000000000002': {
    authentication: 'none',
    decline: { code: 'card_declined', declineCode: 'generic_decline', message: declined, on: 'any' },
  },
  '4000000000009995': {
    authentication: 'none',
    decline: {
      code: 'card_declined',
      declineCode: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
      on: 'charge',
    },
  },
  '4000000000000341': {
    authentication: 'none',
    decline: { code: 'card_declined', declineCode: 'generic_decline', message: declined, on: 'charge' },
  },
  '4000000000000069': {
    authentication: 'none',
    decline: { code: 'expired_card', declineCode: 'expired_card', message: 'Your card has expired.', on: 'any' },
  },
  '4000000000000127': {
    authentication: 'none',
    decline: {
      code: 'incorrect_cvc',
      declineCode: 'incorrect_cvc',
      message: "Your card's security code is incorrect.",
      on: 'any',
    },
  },
  '4000000000000119': {
    authentication: 'none',
    decline: {
      code: 'processing_error',
      declineCode: 'processing_error',
      message: 'An error occurred while processing your card. Try again in a little bit.',
      on: 'any',
    },
  },
  '4000002500003155': { authentication: 'on_session', decline: null },
  '4000002760003184': { authentication: 'always', decline: null },
};

/** The decline an off-session payment gets when the issuer wants the cardholder present. */
export const authenticationRequired: CardDecline = {
  code: 'authentication_required',
  declineCode: 'authentication_required',
  message: 'Your card was declined. This transaction requires authentication.',
  on: 'charge',
};

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

function brandOf(number: string): TestCard['brand'] {
  if (number.startsWith('4')) return 'visa';
  if (/^(5[1-5]|2[2-7])/.test(number)) return 'mastercard';
  if (/^3[47]/.test(number)) return 'amex';
  if (/^(6011|65|64[4-9])/.test(number)) return 'discover';
  if (/^3(0[0-5]|[68])/.test(number)) return 'diners';
  if (/^35/.test(number)) return 'jcb';
  if (/^62/.test(number)) return 'unionpay';
  return 'unknown';
}

/** Reads a card number as typed (spaces and dashes ignored); null when Stripe would call it invalid. */
export function parseCardNumber(input: string): TestCard | null {
  const number = input.replace(/[\s-]/g, '');
  if (!/^\d{13,19}$/.test(number) || !luhnValid(number)) return null;
  const behaviour = special[number] ?? { authentication: 'none', decline: null };
  return { number, brand: brandOf(number), last4: number.slice(-4), ...behaviour };
}

export interface CardExpiry {
  month: number;
  year: number;
}

/** Reads "MM / YY", "MM/YYYY" or "MMYY"; null when malformed or already past. */
export function parseExpiry(input: string, now = new Date()): CardExpiry | null {
  const match = /^\s*(\d{1,2})\s*\/?\s*(\d{2}|\d{4})\s*$/.exec(input);
  if (!match) return null;
  const month = Number(match[1]);
  const year = match[2]!.length === 2 ? 2000 + Number(match[2]) : Number(match[2]);
  if (month < 1 || month > 12) return null;
  const endOfMonth = new Date(Date.UTC(year, month, 1));
  return endOfMonth > now ? { month, year } : null;
}

/** An expiry a few years out: prefilled on the Checkout page and used by control.completeCheckout. */
export function defaultExpiry(now = new Date()): string {
  return `12 / ${String((now.getUTCFullYear() + 5) % 100).padStart(2, '0')}`;
}

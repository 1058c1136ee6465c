import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Random bytes for ids, drawn from the CSPRNG in blocks: one `randomBytes` call (a system call) per 204 ids rather
 * than per id, which a group of a thousand ledger entries would otherwise pay a thousand times.
 */
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let offset = 0;

/** `cust_4fK…`: a prefix that says what the id names, then 20 random base62 characters (~119 bits). */
export function newId(prefix: string): string {
  if (offset + 20 > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  let out = '';
  for (let i = offset; i < offset + 20; i++) out += ALPHABET[pool[i]! % 62];
  offset += 20;
  return `${prefix}_${out}`;
}

/** A secret: 32 random bytes, URL-safe. Bearer secrets are stored as digests only; a webhook secret, which signs, as it is. */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** The digest of a request, independent of key order: a replay must carry the same digest. */
export function hashRequest(value: unknown): string {
  return sha256(JSON.stringify(canonical(value)));
}

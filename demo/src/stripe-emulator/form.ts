/**
 * Stripe's request encoding: `application/x-www-form-urlencoded` with bracket keys
 * (`line_items[0][price_data][currency]=usd`, `metadata[order]=42`, `expand[]=latest_charge`),
 * parsed into nested values, then validated with zod into Stripe-shaped 400 errors.
 */
import { z } from 'zod';
import { StripeApiError } from './errors.ts';

export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    throw new StripeApiError(400, { type: 'invalid_request_error', message: `Invalid URL encoding: ${part}` }, true);
  }
}

/** An empty segment (`expand[]`) appends to a list; any other segment names a member. */
function put(node: FormObject | FormValue[], segment: string, child: FormValue): void {
  if (Array.isArray(node)) node.push(child);
  else node[segment] = child;
}

/** Indexed keys (`[0]`) stay object keys here; `listOf` turns them into arrays where a list is expected. */
export function parseForm(body: string): FormObject {
  const root: FormObject = {};
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decode(pair.slice(eq + 1));
    const head = /^[^[]+/.exec(key)?.[0] ?? key;
    const segments = [...key.slice(head.length).matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]!);
    const path = [head, ...segments];

    let node: FormObject | FormValue[] = root;
    for (const [i, segment] of path.entries()) {
      if (i === path.length - 1) {
        put(node, segment, value);
        break;
      }
      const wantList = path[i + 1] === '';
      let child: FormValue | undefined = Array.isArray(node) ? undefined : node[segment];
      if (child === undefined || typeof child === 'string' || Array.isArray(child) !== wantList) {
        child = wantList ? [] : {};
        put(node, segment, child);
      }
      node = child;
    }
  }
  return root;
}

/** A list parameter: accepts `a[]=x&a[]=y` and `a[0]=x&a[1]=y` (what the official SDKs send). */
export function listOf<T extends z.ZodType>(item: T) {
  return z.preprocess((value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    const entries = Object.entries(value);
    if (!entries.every(([k]) => /^\d+$/.test(k))) return value;
    return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, v]) => v as unknown);
  }, z.array(item));
}

export const formInteger = z
  .string()
  .regex(/^-?\d+$/, { error: 'expected an integer' })
  .transform(Number)
  .pipe(z.number().int().safe());
export const formBoolean = z.enum(['true', 'false'], { error: 'expected true or false' }).transform((v) => v === 'true');
export const formCurrency = z
  .string()
  .regex(/^[a-zA-Z]{3}$/, { error: 'expected a three-letter ISO currency code' })
  .transform((v) => v.toLowerCase());
/** `metadata=` (empty) clears metadata in Stripe; on create it is just empty. */
export const formMetadata = z.union([
  z.literal('').transform((): Record<string, string> => ({})),
  z.record(z.string(), z.string().max(500)),
]);
export const formExpand = listOf(z.string()).optional();

function paramName(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path.map(String);
  return (head ?? '') + rest.map((p) => `[${p}]`).join('');
}

/** Validates parsed form params; the first problem becomes Stripe's 400 with `param` in bracket notation. */
export function parseParams<T extends z.ZodType>(schema: T, params: FormObject): z.output<T> {
  const result = schema.safeParse(params, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const param = paramName(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const unknown = paramName([...issue.path, issue.keys[0]!]);
    throw new StripeApiError(
      400,
      {
        type: 'invalid_request_error',
        code: 'parameter_unknown',
        param: unknown,
        message: `Received unknown parameter: ${unknown} (the emulator models the subset of Stripe's parameters listed in demo/src/stripe-emulator/api.ts)`,
      },
      true,
    );
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    throw new StripeApiError(
      400,
      { type: 'invalid_request_error', code: 'parameter_missing', param, message: `Missing required param: ${param}.` },
      true,
    );
  }
  throw new StripeApiError(
    400,
    { type: 'invalid_request_error', code: 'parameter_invalid', param, message: `Invalid ${param}: ${issue.message}` },
    true,
  );
}

import fc from 'fast-check';
import type { Database } from '../../src/db/client.ts';
import { sql } from 'drizzle-orm';

/**
 * Hostile inputs for the bad-input suite. JSON values are raw JSON *text* (not JS values), so what cannot survive
 * `JSON.stringify` (lone surrogates as `\ud800` escapes, 2^53 + 1, 1e400, -0, 5,000-deep nesting) reaches the
 * server byte for byte.
 */

export interface Hostile {
  /** What it is, for the failure message. */
  label: string;
  /** Raw JSON text. */
  json: string;
}

const h = (label: string, json: string): Hostile => ({ label, json });
const str = (label: string, value: string): Hostile => h(label, JSON.stringify(value));

export const DEEP = 5000;
export const deepArray = (n = DEEP) => '['.repeat(n) + ']'.repeat(n);
export const deepObject = (n = DEEP) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

/** Dates, instants, months and zones that parse as "almost valid". */
export const HOSTILE_DATES = [
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59+15:59',
  '+275760-09-13T00:00:00Z',
  '-271821-04-20T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-13-01T00:00:00Z',
  '2026-01-01T24:00:00Z',
  '2026-01-01T00:00:60Z',
  '2026-01-01T00:00:00+99:00',
  '2026-01-01',
  '0000-01-01',
  '9999-12-31',
  '2026-02-29',
  '1970-01-01T00:00:00.0000000001Z',
];
export const HOSTILE_MONTHS = ['0000-01', '2026-13', '2026-00', '9999-12', '10000-01', '-0001-01', '2026-1', '2026-01-01'];
export const HOSTILE_ZONES = [
  'AET',
  'Mars/Olympus',
  '+99:00',
  '-14:00',
  'UTC+99',
  'Etc/GMT+99',
  'Etc/GMT-14',
  'EST5EDT',
  'posixrules',
  'Factory',
  'localtime',
  'America/New_York/../../etc',
  'SystemV/AST4',
  'GMT0',
  'UCT',
  'Z',
  'z',
  'Europe/Kyiv',
  'America/Ciudad_Juarez',
  'Pacific/Kanton',
  'America/Nuuk',
  'Asia/Calcutta',
  'Antarctica/Troll',
  'ROC',
  'Zulu',
  'US/Pacific-New',
];

const LONG = 'x'.repeat(3_000);

/** Hostile JSON values, each as raw JSON text. */
export const HOSTILE_VALUES: Hostile[] = [
  str('NUL in string', 'a\u0000b'),
  h('lone high surrogate', '"a\\ud800b"'),
  h('lone low surrogate', '"\\udfff"'),
  h('reversed surrogate pair', '"\\udc00\\ud800"'),
  str('3,000-char string', LONG),
  str('30,000-char string', 'y'.repeat(30_000)),
  str('empty string', ''),
  str('whitespace', '   '),
  str('RTL/zero-width', '\u202e\u200b\ufeff'),
  str('emoji', '😀'.repeat(50)),
  str('SQL-ish', "' or 1=1; drop table customers; --"),
  str('path traversal', '../../etc/passwd'),
  str('percent escapes', '%00%ff%2e%2e'),
  h('17+ significant digits', '0.12345678901234567890123'),
  h('2^53 + 1', '9007199254740993'),
  h('huge integer', '123456789012345678901234567890123456789'),
  h('1e400', '1e400'),
  h('-1e400', '-1e400'),
  h('1e-400', '1e-400'),
  h('huge exponent', '1e999999999'),
  h('tiny exponent', '1E-999999999'),
  h('-0', '-0'),
  h('-0.0', '-0.0'),
  h('negative', '-1'),
  h('negative decimal', '-12.5'),
  h('zero', '0'),
  h('many decimals', '1.0000000000000000000000000000001'),
  h('2^63', '9223372036854775808'),
  h('-2^63-1', '-9223372036854775809'),
  str('numeric string 1e400', '1e400'),
  str('numeric string NaN', 'NaN'),
  str('numeric string Infinity', 'Infinity'),
  str('numeric string 2^53+1', '9007199254740993'),
  str('numeric string -0', '-0'),
  str('numeric string 3,000 digits', '9'.repeat(3_000)),
  str('numeric string with spaces', ' 1 '),
  str('numeric string hex', '0x10'),
  h('true', 'true'),
  h('false', 'false'),
  h('null', 'null'),
  h('empty array', '[]'),
  h('empty object', '{}'),
  h('array of strings', '["a","b"]'),
  h('object with NUL key', '{"a\\u0000b":1}'),
  h('object with surrogate key', '{"\\ud800":1}'),
  h('object with __proto__', '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}'),
  h('array nested 5,000 deep', deepArray()),
  h('object nested 5,000 deep', deepObject()),
  h('array nested 33 deep', deepArray(33)),
  h('10,000-element array', '[' + Array.from({ length: 10_000 }, () => '1').join(',') + ']'),
  ...HOSTILE_DATES.map((d) => str(`date ${d}`, d)),
  ...HOSTILE_MONTHS.map((m) => str(`month ${m}`, m)),
  ...HOSTILE_ZONES.slice(0, 4).map((z) => str(`zone ${z}`, z)),
];

export const hostileValue: fc.Arbitrary<Hostile> = fc.constantFrom(...HOSTILE_VALUES);

/** Hostile strings for query parameters and path segments (already as the raw, percent-encoded URL text). */
export const HOSTILE_URL_TEXT: { label: string; raw: string }[] = [
  { label: '%00', raw: 'a%00b' },
  { label: '%ff', raw: '%ff' },
  { label: '%c0%af (overlong)', raw: '%c0%af' },
  { label: '%ed%a0%80 (UTF-8 surrogate)', raw: '%ed%a0%80' },
  { label: 'lone %', raw: '%' },
  { label: '%zz', raw: '%zz' },
  { label: '3,000 chars', raw: 'i'.repeat(3_000) },
  { label: '8,000 chars', raw: 'j'.repeat(8_000) },
  { label: 'empty', raw: '' },
  { label: 'encoded slash', raw: '..%2F..%2Fadmin' },
  { label: 'encoded NUL + slash', raw: '%2F%00' },
  { label: 'emoji', raw: encodeURIComponent('😀') },
  { label: 'space', raw: '%20' },
  { label: 'SQL-ish', raw: encodeURIComponent("' or 1=1--") },
  { label: '2^53+1', raw: '9007199254740993' },
  { label: '1e400', raw: '1e400' },
  { label: '-0', raw: '-0' },
  { label: '-1', raw: '-1' },
  { label: 'array syntax', raw: 'a[]=1' },
  ...HOSTILE_DATES.map((d) => ({ label: `date ${d}`, raw: encodeURIComponent(d) })),
  ...HOSTILE_MONTHS.map((m) => ({ label: `month ${m}`, raw: encodeURIComponent(m) })),
  ...HOSTILE_ZONES.map((z) => ({ label: `zone ${z}`, raw: encodeURIComponent(z) })),
];
export const hostileUrlText = fc.constantFrom(...HOSTILE_URL_TEXT);

/** The leaf and branch paths of a JSON value (arrays by index). */
export function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [];
  if (Array.isArray(value)) value.forEach((v, i) => out.push([...prefix, i], ...pathsOf(v, [...prefix, i])));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push([...prefix, k], ...pathsOf(v, [...prefix, k]));
  return out;
}

const MARK = '\u0001HOSTILE\u0001';

/** `valid` as JSON text with the value at `path` replaced by raw JSON text (or removed, or a sibling added). */
export function mutateJson(valid: unknown, path: (string | number)[], op: 'replace' | 'remove' | 'add', raw: string): string {
  const copy = structuredClone(valid) as any;
  if (path.length === 0) return raw;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key];
  const last = path[path.length - 1]!;
  if (op === 'remove') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
    return JSON.stringify(copy);
  }
  if (op === 'add') {
    if (Array.isArray(parent)) parent.push(MARK);
    else parent[`unknown_${String(last)}`] = MARK;
  } else parent[last] = MARK;
  return JSON.stringify(copy).replace(JSON.stringify(MARK), () => raw);
}

export interface BodyMutation {
  description: string;
  text: string;
}

/** Mutations of a valid JSON body: one field replaced, removed or joined by a hostile value; or the whole body. */
export function bodyMutation(valid: unknown): fc.Arbitrary<BodyMutation> {
  const paths = pathsOf(valid);
  const whole = hostileValue.map((v) => ({ description: `whole body = ${v.label}`, text: v.json }));
  const rawWhole = fc.constantFrom(
    { description: 'truncated JSON', text: JSON.stringify(valid).slice(0, -1) },
    { description: 'trailing garbage', text: JSON.stringify(valid) + 'x' },
    { description: 'duplicate keys', text: JSON.stringify(valid).replace(/^\{/, '{"a":1,"a":2,') },
    { description: 'BOM + body', text: '\ufeff' + JSON.stringify(valid) },
    { description: 'raw NUL byte in JSON text', text: JSON.stringify(valid).replace(/^\{/, '{\u0000') },
    { description: 'raw lone surrogate char in JSON text', text: JSON.stringify(valid).replace(/^\{/, '{"x":"\ud800",') },
    { description: 'single quotes', text: "{'a':1}" },
    { description: 'NaN literal', text: '{"a":NaN}' },
  );
  if (paths.length === 0) return fc.oneof(whole, rawWhole);
  const field = fc
    .record({
      path: fc.constantFrom(...paths),
      op: fc.constantFrom('replace', 'replace', 'replace', 'remove', 'add') as fc.Arbitrary<'replace' | 'remove' | 'add'>,
      value: hostileValue,
    })
    .map(({ path, op, value }) => ({
      description: `${op} ${path.join('.')}${op === 'remove' ? '' : ` = ${value.label}`}`,
      text: mutateJson(valid, path, op, value.json),
    }));
  return fc.oneof({ weight: 8, arbitrary: field }, { weight: 1, arbitrary: whole }, { weight: 1, arbitrary: rawWhole });
}

/** Query strings: the valid ones with a parameter replaced, duplicated, or an unknown one added. */
export function queryMutation(valid: Record<string, string>, known: string[]): fc.Arbitrary<BodyMutation> {
  const names = [...new Set([...Object.keys(valid), ...known])];
  const base = () => Object.entries(valid).map(([k, v]) => [k, encodeURIComponent(v)] as [string, string]);
  const build = (pairs: [string, string][]) => pairs.map(([k, v]) => `${k}=${v}`).join('&');
  return fc
    .record({
      name: fc.constantFrom(...names),
      value: hostileUrlText,
      op: fc.constantFrom('replace', 'replace', 'duplicate', 'bare', 'name'),
    })
    .map(({ name, value, op }) => {
      let pairs = base();
      if (op === 'replace') pairs = [...pairs.filter(([k]) => k !== name), [name, value.raw]];
      else if (op === 'duplicate') pairs = [...pairs, [name, value.raw], [name, value.raw]];
      else if (op === 'name') pairs = [...pairs, [value.raw, '1']];
      else return { description: `bare ${name}`, text: [build(pairs), name].filter(Boolean).join('&') };
      return { description: `${op} ${op === 'name' ? 'param name' : name} = ${value.label}`, text: build(pairs) };
    });
}

/** The public tables' rows, as one digest per table (what a rejected request must leave unchanged). */
export async function fingerprint(
  db: Database,
  exclude: string[] = ['rate_limits', '__drizzle_migrations'],
): Promise<Record<string, string>> {
  const rowsOf = (r: unknown) => (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows) as Record<string, unknown>[];
  const tables = rowsOf(
    await db.execute(
      sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
    ),
  )
    .map((r) => String(r.table_name))
    .filter((t) => !exclude.includes(t));
  if (tables.length === 0) return {};
  const query = tables
    .map(
      (t) =>
        `select '${t}' as t, count(*)::text || ':' || coalesce(md5(string_agg(x::text, ',' order by x::text)), '-') as f from "${t}" x`,
    )
    .join(' union all ');
  const out: Record<string, string> = {};
  for (const r of rowsOf(await db.execute(sql.raw(query)))) out[String(r.t)] = String(r.f);
  return out;
}

export function fingerprintDiff(before: Record<string, string>, after: Record<string, string>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((t) => before[t] !== after[t]);
}

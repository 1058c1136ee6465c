/**
 * Amounts as people type them, in their locale: "10,50" in Spanish, "١٠٫٥٠" in Arabic, "1,000.50" in English.
 * The result is an exact decimal string ("10.50"), never a binary float.
 */

/** Arabic-Indic (U+0660…) and Extended Arabic-Indic, i.e. Persian and Urdu (U+06F0…), digits. */
const EASTERN_DIGITS = /[\u0660-\u0669\u06F0-\u06F9]/g;
/** Direction marks and the spaces a formatted number may carry ("1 000", a narrow no-break space in French). */
const IGNORED = /[\s\u00A0\u202F\u200E\u200F\u061C]/g;
/** A currency sign or code copied along with the amount ("10,00 US$", "25 USD"). */
const CURRENCY = /\p{Sc}|[A-Z]{2,3}/gu;
/** Everything typed as a separator: the point, the comma, Arabic's own two, and the apostrophes of de-CH. */
const SEPARATORS = /[.,\u066B\u066C'\u2019]/;

interface Separators {
  decimal: string;
  group: string;
}

const cache = new Map<string, Separators>();

/** The locale's decimal and grouping marks, as its own formatter writes them. */
function separatorsOf(locale: string): Separators {
  let found = cache.get(locale);
  if (!found) {
    const parts = new Intl.NumberFormat(locale, { useGrouping: true }).formatToParts(12345.5);
    found = {
      decimal: normaliseMark(parts.find((p) => p.type === 'decimal')?.value ?? '.'),
      group: normaliseMark(parts.find((p) => p.type === 'group')?.value ?? ','),
    };
    cache.set(locale, found);
  }
  return found;
}

/** A group made of a space is dropped with the other spaces; "’" is typed as "'". */
function normaliseMark(mark: string): string {
  return mark.replace(IGNORED, '').replace('\u2019', "'");
}

/**
 * Reads a typed amount in `locale`: its decimal mark, its digits or Latin ones, with or without grouping. The
 * locale's decimal mark (and Arabic's "٫") always decides. Without one, the last mark is the decimal mark when it
 * is the only one of its kind and does not read as grouping (exactly three digits after the locale's grouping mark,
 * as "1.000" in Spanish); people type "10.50" in Spanish or "10,50" in English and mean it. Null for anything else.
 */
export function parseDecimal(input: string, locale: string): string | null {
  let text = input
    .replace(EASTERN_DIGITS, (d) => String(d.charCodeAt(0) % 16))
    .replace(IGNORED, '')
    .replace(CURRENCY, '')
    .replace(/\u2212/g, '-')
    .replace(/\u2019/g, "'");
  const negative = text.startsWith('-');
  if (negative) text = text.slice(1);
  if (!/^[\d.,\u066B\u066C']+$/.test(text)) return null;
  const { decimal, group } = separatorsOf(locale);
  const marks = [...text].filter((c) => SEPARATORS.test(c));
  const isDecimal = (c: string) => c === decimal || c === '\u066B';
  let point = -1;
  if (marks.some(isDecimal)) {
    if (marks.filter(isDecimal).length > 1) return null;
    point = [...text].findIndex(isDecimal);
  } else {
    const last = marks[marks.length - 1];
    if (last !== undefined && last !== '\u066C' && marks.filter((c) => c === last).length === 1) {
      const at = text.lastIndexOf(last);
      const grouping = marks.length === 1 && last === group && /^\d{3}$/.test(text.slice(at + 1));
      if (!grouping) point = at;
    }
  }
  const whole = point === -1 ? text : text.slice(0, point);
  const fraction = point === -1 ? '' : text.slice(point + 1);
  if (!/^\d*$/.test(fraction)) return null;
  const digits = ungroup(whole);
  if (digits === null || (digits === '' && fraction === '')) return null;
  const integer = digits.replace(/^0+(?=\d)/, '') || '0';
  const value = fraction ? `${integer}.${fraction}` : integer;
  return negative && /[1-9]/.test(value) ? `-${value}` : value;
}

/** "12.345.678" → "12345678": one grouping mark, groups of three (or two, as India groups) after the first. */
function ungroup(whole: string): string | null {
  if (/^\d*$/.test(whole)) return whole;
  const mark = [...whole].find((c) => SEPARATORS.test(c))!;
  const groups = whole.split(mark);
  const [first, ...rest] = groups;
  if (!first || !/^\d{1,3}$/.test(first)) return null;
  if (!rest.every((g, i) => (i === rest.length - 1 ? /^\d{3}$/ : /^\d{2,3}$/).test(g))) return null;
  return groups.join('');
}

/** An exact decimal string as the locale writes it in a field: its digits and decimal mark, no grouping. */
export function formatDecimalInput(value: string, locale: string): string {
  const format = new Intl.NumberFormat(locale, { useGrouping: false, maximumFractionDigits: 20 });
  return format.format(value as Intl.StringNumericLiteral);
}

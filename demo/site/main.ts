/**
 * Lumen's billing page script. The integration itself is three lines (see `fetchToken` below); the rest drives the
 * demo controls: simulated usage, theme presets, colour scheme, and a log of the element's events.
 */

/** The element's public surface this page uses (the page loads the element from the BFF, not from npm). */
interface BillingPortalElement extends HTMLElement {
  token: string | null;
  theme: 'light' | 'dark' | 'auto';
  fetchToken: (() => Promise<string>) | null;
}

type Mode = 'light' | 'dark' | 'auto';
type Tokens = Record<string, string>;

const MIDNIGHT: Tokens = {
  '--credyt-color-primary': '#818cf8',
  '--credyt-color-on-primary': '#0b1020',
  '--credyt-color-link': '#a5b4fc',
  '--credyt-color-focus': '#a5b4fc',
  '--credyt-color-background': '#0b1020',
  '--credyt-color-surface': '#131a2e',
  '--credyt-color-text': '#e2e8f0',
  '--credyt-color-muted': '#94a3b8',
  '--credyt-color-border': '#1f2a44',
  '--credyt-color-border-strong': '#64748b',
  '--credyt-color-danger': '#fca5a5',
  '--credyt-color-warning': '#fcd34d',
  '--credyt-color-success': '#86efac',
  '--credyt-radius': '12px',
};
const FOREST_SHAPE: Tokens = { '--credyt-font-family': "Georgia, 'Iowan Old Style', serif", '--credyt-radius': '4px' };

/** Each preset in light and dark; Midnight is dark whatever the scheme. */
const PRESETS: Record<string, { light: Tokens; dark: Tokens }> = {
  default: { light: {}, dark: {} },
  midnight: { light: MIDNIGHT, dark: MIDNIGHT },
  forest: {
    light: {
      '--credyt-color-primary': '#166534',
      '--credyt-color-on-primary': '#ffffff',
      '--credyt-color-link': '#15803d',
      '--credyt-color-focus': '#15803d',
      '--credyt-color-background': '#fbfdf8',
      '--credyt-color-surface': '#f0f7ec',
      '--credyt-color-text': '#14281d',
      '--credyt-color-muted': '#3f5c45',
      '--credyt-color-border': '#cfe3c8',
      '--credyt-color-border-strong': '#5f7d63',
      ...FOREST_SHAPE,
    },
    dark: {
      '--credyt-color-primary': '#4ade80',
      '--credyt-color-on-primary': '#052e16',
      '--credyt-color-link': '#86efac',
      '--credyt-color-focus': '#86efac',
      '--credyt-color-background': '#0c1a12',
      '--credyt-color-surface': '#12251a',
      '--credyt-color-text': '#e7f5ea',
      '--credyt-color-muted': '#a7c4ae',
      '--credyt-color-border': '#1f3a2a',
      '--credyt-color-border-strong': '#6b8f72',
      ...FOREST_SHAPE,
    },
  },
};

const DENSITY: Record<string, Tokens> = {
  comfortable: {},
  compact: { '--credyt-density': '0.75', '--credyt-font-size': '13px' },
};

const portal = document.querySelector<BillingPortalElement>('credyt-billing-portal')!;
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

async function post<T>(path: string, body: unknown = {}): Promise<T> {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json().catch(() => ({}))) as T & { detail?: string };
  if (!res.ok) throw new Error(json.detail ?? `${path} answered ${res.status}`);
  return json;
}

// The integration: our server renders a fresh token into the page; when the session expires the element asks
// for a new one through `fetchToken`, which calls our server again (the API key never reaches the browser).
portal.fetchToken = async () => (await post<{ token: string }>('/api/portal-session')).token;
if (!portal.getAttribute('token')) void portal.fetchToken().then((token) => (portal.token = token), showError);

function showBanner(text: string) {
  const banner = $('banner');
  banner.textContent = text;
  banner.hidden = false;
}
function showError(err: unknown) {
  showBanner(`Could not reach the billing service: ${err instanceof Error ? err.message : String(err)}`);
}
if (new URLSearchParams(location.search).get('portal') === 'link-expired') {
  showBanner('That billing link had expired, so we opened a fresh session for you.');
  history.replaceState(null, '', location.pathname);
}

// Simulated usage, sent by our server through the platform API.
const usageStatus = $('usage-status');
const amountFormat = (asset: string, amount: string) =>
  asset === 'USD'
    ? new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 4 }).format(Number(amount))
    : `${Number(amount).toLocaleString('en-US')} ${asset === 'IMG' ? 'image credits' : asset}`;

$('simulate').addEventListener('click', async (event) => {
  const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-kind]');
  if (!button) return;
  button.disabled = true;
  usageStatus.textContent = 'Sending usage…';
  try {
    const result = await post<{ sent: number; charged: { asset: string; amount: string }[] }>('/api/simulate-usage', {
      kind: button.dataset.kind,
    });
    const charged = result.charged.map((c) => amountFormat(c.asset, c.amount)).join(' + ') || 'nothing';
    usageStatus.textContent = `Sent ${result.sent} event${result.sent === 1 ? '' : 's'}, charged ${charged}.`;
  } catch (err) {
    usageStatus.textContent = `Failed: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    button.disabled = false;
  }
});

// Theming: presets are plain `--credyt-*` custom properties on the element.
const prefersDark = matchMedia('(prefers-color-scheme: dark)');
let applied: string[] = [];
function applyTheme() {
  const preset = document.querySelector<HTMLInputElement>('input[name=preset]:checked')!.value;
  const density = document.querySelector<HTMLInputElement>('input[name=density]:checked')!.value;
  const mode = document.querySelector<HTMLInputElement>('input[name=mode]:checked')!.value as Mode;
  const dark = mode === 'dark' || (mode === 'auto' && prefersDark.matches);
  const tokens = { ...PRESETS[preset]?.[dark ? 'dark' : 'light'], ...DENSITY[density] };
  for (const name of applied) portal.style.removeProperty(name);
  for (const [name, value] of Object.entries(tokens)) portal.style.setProperty(name, value);
  applied = Object.keys(tokens);
  portal.setAttribute('theme', mode);
  document.documentElement.dataset.mode = mode;
  document.documentElement.dataset.preset = preset;
  const lines = Object.entries(tokens).map(([name, value]) => `  ${name}: ${value};`);
  $('css-code').textContent =
    `<credyt-billing-portal theme="${mode}">\n\ncredyt-billing-portal {\n` +
    (lines.length ? lines.join('\n') : '  /* the defaults: the platform brand colour and a neutral palette */') +
    '\n}';
}
for (const id of ['preset', 'density', 'mode']) $(id).addEventListener('change', applyTheme);
prefersDark.addEventListener('change', applyTheme);
applyTheme();

// Open the same portal full-page (the hosted flow) with a fresh link.
$('open-hosted').addEventListener('click', async () => {
  try {
    location.assign((await post<{ url: string }>('/api/hosted-portal')).url);
  } catch (err) {
    showError(err);
  }
});

// The element's events, for developers evaluating the integration.
const log = $('events');
let count = 0;
function record(name: string, summary: string) {
  const item = document.createElement('li');
  const time = document.createElement('time');
  time.textContent = new Date().toLocaleTimeString();
  const code = document.createElement('code');
  code.textContent = name;
  item.append(time, ' ', code, ` ${summary}`);
  log.prepend(item);
  count += 1;
  $('event-count').textContent = `(${count})`;
}
type Detail = Record<string, unknown> | undefined;
const on = (name: string, summarise: (detail: Detail) => string) =>
  portal.addEventListener(name, (event) => record(name, summarise((event as CustomEvent<Detail>).detail)));
on('credyt-ready', (d) => `session for ${String((d?.session as { customer?: { name?: string } })?.customer?.name ?? 'the customer')}`);
on('credyt-session-expired', (d) => (d?.renewing ? 'renewing through fetchToken' : 'no way to renew'));
on('credyt-top-up-started', (d) => `${String(d?.amount)} ${String(d?.asset)} → Stripe Checkout`);
on('credyt-error', (d) => String(d?.detail ?? d?.title ?? 'error'));

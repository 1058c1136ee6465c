/** Helpers for the component tests: mount the portal against the fixture API and look inside its shadow roots. */
import { expect, waitUntil } from '@open-wc/testing';
import '../index.ts';
import type { CredytBillingPortal } from '../credyt-billing-portal.ts';

export type Scenario = 'filled' | 'empty' | 'failing' | 'used' | 'expiring' | 'xss' | 'slow' | 'limited' | 'rtl' | 'nocard';

/** A fresh link token for a fixture scenario (a link signs in once, and parallel tests must not share streams). */
export function linkToken(scenario: Scenario): string {
  return `${scenario}~${Math.random().toString(36).slice(2, 10)}`;
}

const mounted = new Set<HTMLElement>();

export interface Mount {
  el: CredytBillingPortal;
  link: string;
}

/**
 * Creates `<credyt-billing-portal>` with the given attributes, connects it, and (unless `ready: false`) waits for
 * `credyt-ready`. Listeners are attached before connecting so no event is missed.
 */
export async function mountPortal(
  options: {
    scenario?: Scenario;
    attrs?: Record<string, string>;
    ready?: boolean;
    setup?: (el: CredytBillingPortal) => void;
    container?: HTMLElement;
  } = {},
): Promise<Mount> {
  const link = linkToken(options.scenario ?? 'filled');
  const el = document.createElement('credyt-billing-portal');
  el.setAttribute('token', link);
  for (const [name, value] of Object.entries(options.attrs ?? {})) el.setAttribute(name, value);
  options.setup?.(el);
  const ready = new Promise<void>((resolve) => el.addEventListener('credyt-ready', () => resolve(), { once: true }));
  (options.container ?? document.body).append(el);
  mounted.add(el);
  if (options.ready !== false) await ready;
  await el.updateComplete;
  return { el, link };
}

export function cleanup(): void {
  for (const el of mounted) el.remove();
  mounted.clear();
  // What the wallet remembers for the next visit's skeleton: every test starts as a first visit.
  localStorage.removeItem('credyt-portal:wallet-cards');
}

export function root(el: Element): ShadowRoot {
  if (!el.shadowRoot) throw new Error(`${el.localName} has no shadow root`);
  return el.shadowRoot;
}

/** A page host for a framework to mount the portal into (the framework tests): created before each test, removed after. */
export function frameworkHost(unmount: () => void): { readonly el: HTMLElement } {
  const current = { el: document.createElement('div') };
  beforeEach(() => {
    current.el = document.createElement('div');
    document.body.append(current.el);
  });
  afterEach(() => {
    unmount();
    current.el.remove();
  });
  return current;
}

/** The portal a framework rendered inside `scope`. */
export const portalIn = (scope: Element) => scope.querySelector<CredytBillingPortal>('credyt-billing-portal');

/** The sections the portal shows, in page order. */
export const shownSections = (el: CredytBillingPortal) => [...root(el).querySelectorAll('.sections > *')].map((node) => node.localName);

/**
 * After a framework re-rendered the portal with `sections="wallet, top_up"` and `theme="dark"`: both sections show,
 * the theme took, and a preset top-up fires `credyt-top-up-started`, which must reach the framework's listener.
 */
export async function checkRerenderedAndTopUp(el: CredytBillingPortal, started: readonly unknown[], framework: string): Promise<void> {
  await el.updateComplete;
  await waitUntil(() => shownSections(el).length === 2);
  expect(shownSections(el)).to.deep.equal(['credyt-portal-wallet', 'credyt-portal-top-up']);
  expect(el.getAttribute('theme')).to.equal('dark');
  const topUp = await section(el, 'credyt-portal-top-up');
  (await find<HTMLButtonElement>(topUp, '.presets button')).click();
  await waitUntil(() => !topUp.querySelector<HTMLButtonElement>('button[type="submit"]')!.disabled);
  topUp.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
  await waitUntil(() => started.length === 1, `credyt-top-up-started did not reach the ${framework} listener`);
  expect(started[0]).to.include({ asset: 'USD', amount: '10' });
}

export type SectionTag =
  | 'credyt-portal-wallet'
  | 'credyt-portal-top-up'
  | 'credyt-portal-auto-top-up'
  | 'credyt-portal-checkout-return'
  | 'credyt-portal-spend'
  | 'credyt-portal-usage'
  | 'credyt-portal-transactions';

/** The shadow root of one section, once it is on the page. */
export async function section(el: CredytBillingPortal, tag: SectionTag): Promise<ShadowRoot> {
  await waitUntil(() => root(el).querySelector(tag)?.shadowRoot, `${tag} did not render`, { timeout: 5000 });
  return root(root(el).querySelector(tag)!);
}

/** Waits until `select` finds something inside `scope`, and returns it. */
export async function find<T extends Element = HTMLElement>(scope: ParentNode, select: string, timeout = 5000): Promise<T> {
  await waitUntil(() => scope.querySelector(select), `nothing matches ${select}`, { timeout });
  return scope.querySelector<T>(select)!;
}

export function text(node: Node | null | undefined): string {
  return (node?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

/** Sends one stream event to the portal signed in with `link`, through the fixture server. */
export async function emitStreamEvent(link: string, event: string, data: unknown, id?: string): Promise<number> {
  const response = await fetch('/__fixture/emit', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ link, event, data, id }),
  });
  return ((await response.json()) as { delivered: number }).delivered;
}

/** Writes raw text to the link's open streams, one chunk at a time (to split lines and events across reads). */
export async function writeStreamChunks(link: string, chunks: string[]): Promise<void> {
  await fetch('/__fixture/raw', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ link, chunks }),
  });
}

export interface FixtureLog {
  streams: Array<{ lastEventId: string | null }>;
  requests: Array<{ method: string; path: string; query: string }>;
  topUps: Array<{ id: string; asset: string; amount: string; return_url: string | null }>;
  autoUpdates: Array<{ asset: string; body: { enabled: boolean; threshold: string; amount: string; return_url?: string } }>;
}

export async function fixtureLog(link: string): Promise<FixtureLog> {
  const response = await fetch(`/__fixture/log?link=${encodeURIComponent(link)}`);
  return (await response.json()) as FixtureLog;
}

/** Waits until the fixture has an open stream for `link` (the portal connects after the session loads). */
export async function streamOpen(link: string): Promise<void> {
  await waitUntil(async () => (await fixtureLog(link)).streams.length > 0, 'the stream never connected', {
    timeout: 5000,
  });
}

/** A moment as the lists show it: "Dec 3, 12:40 PM", with the year only when it is not this year (spaces plain). */
export function shownDateTime(date: Date, locale = 'en-US'): string {
  const year = date.getFullYear() === new Date().getFullYear() ? {} : { year: 'numeric' as const };
  const format = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', ...year, hour: 'numeric', minute: '2-digit' });
  return format.format(date).replace(/\s+/g, ' ');
}

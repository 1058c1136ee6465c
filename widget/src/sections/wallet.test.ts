import { expect, waitUntil } from '@open-wc/testing';
import type { PortalAccount } from '@credyt/shared';
import { cleanup, emitStreamEvent, find, mountPortal, root, section, streamOpen, text } from '../test-support/portal.ts';
import { loadI18n, singularOf } from '../i18n/index.ts';
import { isLow, moneyFirst } from './wallet.ts';

const USD = { code: 'USD', name: 'US Dollar', symbol: '$', label: null, precision: 2, fiat: true };
const CREDITS = { code: 'CREDITS', name: 'Credits', symbol: '✦', label: 'credits', precision: 0, fiat: false };

function account(id: string, asset: PortalAccount['asset'], available: string, spent = '0'): PortalAccount {
  return { id, asset, available, fiat_value: available, fiat_currency: 'USD', spent_this_month: spent, pending_in: '0' };
}

/** Answers the wallet read with `edit` applied to its accounts, `delay` ms late; returns what undoes it. */
function slowWallet(edit: (accounts: PortalAccount[]) => PortalAccount[], delay: number): () => void {
  const realFetch = window.fetch;
  window.fetch = async (input, init) => {
    const response = await realFetch(input, init);
    if (!String(input instanceof Request ? input.url : input).includes('/portal/api/wallet')) return response;
    const body = (await response.json()) as { accounts: PortalAccount[] };
    body.accounts = edit(body.accounts);
    await new Promise((resolve) => setTimeout(resolve, delay));
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  };
  return () => (window.fetch = realFetch);
}

/** Runs `test` in a page column `width` px wide, removed after. */
async function inWidth(width: number, test: (host: HTMLElement) => Promise<void>): Promise<void> {
  const host = document.createElement('div');
  host.style.width = `${width}px`;
  document.body.append(host);
  try {
    await test(host);
  } finally {
    host.remove();
  }
}

const walletHeight = (el: Element) => root(el).querySelector('credyt-portal-wallet')!.getBoundingClientRect().height;

/** Mounts the portal in `host`: its skeleton has `outlines` cards; the wallet's height then and with its balances. */
async function skeletonThenBalances(host: HTMLElement, outlines: number) {
  const { el } = await mountPortal({ container: host });
  const wallet = await section(el, 'credyt-portal-wallet');
  await find(wallet, '.stat.outline');
  expect(wallet.querySelectorAll('.stat.outline')).to.have.length(outlines);
  const before = walletHeight(el);
  await find(wallet, '[part="balance"]', 8000);
  return { wallet, before, after: walletHeight(el) };
}

/**
 * The text as a person sees it, left to right on the screen: each character's box, in order of position. What
 * the DOM holds is the logical order; only this shows how a right-to-left page actually draws an amount.
 */
function visualText(element: Element): string {
  const chars: Array<{ c: string; x: number }> = [];
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const data = (node as Text).data;
    for (let i = 0; i < data.length; i++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const rect = range.getBoundingClientRect();
      if (rect.width > 0.5 && data[i]!.trim()) chars.push({ c: data[i]!, x: rect.left + rect.width / 2 });
    }
  }
  return chars
    .sort((a, b) => a.x - b.x)
    .map(({ c }) => c)
    .join('');
}

describe('wallet section', () => {
  afterEach(cleanup);

  it('shows every balance, money first, with the fiat value under a custom one, and this month’s spend as a card', async () => {
    const { el } = await mountPortal();
    const wallet = await section(el, 'credyt-portal-wallet');
    await find(wallet, '[part="balance"]');
    const balances = [...wallet.querySelectorAll('[part="balance"]')].map(text);
    expect(balances[0]).to.contain('US Dollar').and.contain('$42.50').and.contain('$17.25 spent this month');
    expect(balances[1]).to.contain('Credits').and.contain('1,250 credits').and.contain('≈ $12.50');
    expect(balances[2]).to.contain('GPU tokens').and.contain('-3.5000 tokens');
    // Credits and tokens were spent too, converted to dollars: an estimate, so "≈".
    const spent = wallet.querySelector('[part="stat"]')!;
    expect(text(spent)).to.contain('Spent this month').and.contain('≈ $98.36').and.contain('valued in USD');
    // A peer of the balances: in the same list, a card of the same width.
    const usd = wallet.querySelector('[data-account="default:USD"]')!;
    expect(spent.parentElement).to.equal(usd.parentElement);
    expect(spent.getBoundingClientRect().width).to.equal(usd.getBoundingClientRect().width);
  });

  it('puts money before custom units, the platform currency first, whatever order the server sent', async () => {
    const eur = account('default:EUR', { ...USD, code: 'EUR', name: 'Euro', symbol: '€' }, '5');
    const sorted = moneyFirst([account('default:CREDITS', CREDITS, '10'), eur, account('default:USD', USD, '1')], 'USD');
    expect(sorted.map((a) => a.id)).to.deep.equal(['default:USD', 'default:EUR', 'default:CREDITS']);

    // On screen: a euro balance arriving live (appended by the stream) still shows before the custom units.
    const { el, link } = await mountPortal();
    const wallet = await section(el, 'credyt-portal-wallet');
    await find(wallet, '[part="balance"]');
    await streamOpen(link);
    await emitStreamEvent(link, 'wallet.updated', { account: eur, spent_this_month: { currency: 'USD', amount: '98.3625' } });
    await waitUntil(() => wallet.querySelector('[data-account="default:EUR"]'));
    const order = [...wallet.querySelectorAll('[part="balance"]')].map((node) => node.getAttribute('data-account'));
    expect(order).to.deep.equal(['default:USD', 'default:EUR', 'default:CREDITS', 'default:TOKENS']);
    const top = (id: string) => wallet.querySelector(`[data-account="${id}"]`)!.getBoundingClientRect();
    expect(top('default:EUR').top <= top('default:CREDITS').top).to.equal(true);
  });

  it('says a custom unit in the plural its figure takes: 1 credit, 2 credits, in English and Spanish', async () => {
    const en = await loadI18n('en');
    expect(en.amount('1', CREDITS)).to.equal('1 credit');
    expect(en.amount('2', CREDITS)).to.equal('2 credits');
    expect(en.amount('0', CREDITS)).to.equal('0 credits');
    expect(en.amount('1250', CREDITS)).to.equal('1,250 credits');
    // 1.0000 is not "one" in English (visible decimals take the plural).
    expect(en.amount('1', { ...CREDITS, label: 'tokens', precision: 4 })).to.equal('1.0000 tokens');
    // The platform's own singular wins over the derived one.
    expect(en.amount('1', { ...CREDITS, label: 'people', label_singular: 'person' })).to.equal('1 person');
    expect(en.amount('1', { ...CREDITS, label: 'image credits' })).to.equal('1 image credit');
    const es = await loadI18n('es');
    expect(es.amount('1', { ...CREDITS, label: 'créditos' })).to.equal('1 crédito');
    expect(es.amount('12345', { ...CREDITS, label: 'créditos' })).to.equal('12.345 créditos');
    expect(es.number('1234567.5')).to.equal('1.234.567,5');

    expect(singularOf('image credits')).to.equal('image credit');
    expect(singularOf('GPU hours')).to.equal('GPU hour');
    expect(singularOf('queries')).to.equal('query');
    expect(singularOf('boxes')).to.equal('box');
    expect(singularOf('status')).to.equal('status');
    expect(singularOf('kWh')).to.equal('kWh');

    // On screen: one credit left reads "1 credit".
    const { el, link } = await mountPortal();
    const wallet = await section(el, 'credyt-portal-wallet');
    await find(wallet, '[part="balance"]');
    await streamOpen(link);
    await emitStreamEvent(link, 'wallet.updated', {
      account: { ...account('default:CREDITS', { ...CREDITS, rate: '0.01' }, '1', '8000'), fiat_value: '0.01' },
      spent_this_month: { currency: 'USD', amount: '98.3625' },
    });
    await waitUntil(() => text(wallet.querySelector('[data-account="default:CREDITS"] .amount')) === '1 credit');
  });

  it('keeps "1,250 credits" whole in a 320 px card: the figure on one line, the unit beside it or below', async () => {
    const host = document.createElement('div');
    host.style.width = '320px';
    document.body.append(host);
    try {
      const { el } = await mountPortal({ container: host });
      const wallet = await section(el, 'credyt-portal-wallet');
      await find(wallet, '[part="balance"]');
      const card = wallet.querySelector('[data-account="default:CREDITS"]')!;
      const figure = card.querySelector('.figure')!;
      const unit = card.querySelector('.unit')!;
      expect(text(figure)).to.equal('1,250');
      expect(text(unit)).to.equal('credits');
      // One line each: the figure never breaks inside.
      const lineHeight = parseFloat(getComputedStyle(figure).lineHeight);
      expect(figure.getBoundingClientRect().height).to.be.below(lineHeight * 1.5);
      expect(figure.getBoundingClientRect().right).to.be.at.most(card.getBoundingClientRect().right);
      expect(unit.getBoundingClientRect().right).to.be.at.most(card.getBoundingClientRect().right);
      // Cards fill the row: one per row at 320, as wide as the list.
      const list = card.parentElement!.getBoundingClientRect();
      expect(Math.round(card.getBoundingClientRect().width)).to.equal(Math.round(list.width));
    } finally {
      host.remove();
    }
  });

  it('fills the row with cards on a wide page, and has one level of cards (no box around them)', async () => {
    const host = document.createElement('div');
    host.style.width = '1280px';
    document.body.append(host);
    try {
      const { el } = await mountPortal({ container: host });
      const wallet = await section(el, 'credyt-portal-wallet');
      await find(wallet, '[part="balance"]');
      const cards = [...wallet.querySelectorAll('.stat')];
      expect(cards).to.have.length(4);
      const list = cards[0]!.parentElement!.getBoundingClientRect();
      const row = cards.filter((c) => Math.abs(c.getBoundingClientRect().top - cards[0]!.getBoundingClientRect().top) < 1);
      expect(row).to.have.length(4);
      const used = row.at(-1)!.getBoundingClientRect().right - row[0]!.getBoundingClientRect().left;
      expect(Math.abs(used - list.width)).to.be.below(2);
      // The section draws no card of its own around the figure cards.
      const box = getComputedStyle(wallet.querySelector('section')!);
      expect(box.borderTopWidth).to.equal('0px');
      expect(box.backgroundColor).to.equal('rgba(0, 0, 0, 0)');
    } finally {
      host.remove();
    }
  });

  it('shows a skeleton of the final size: the cards take the skeleton’s place without moving', async () => {
    // A wallet of a dollar and a credit balance (the skeleton's two balances and the month's spend), 1 s late.
    const restore = slowWallet((accounts) => accounts.slice(0, 2).map((a) => ({ ...a, spent_this_month: '0' })), 1000);
    try {
      for (const width of [320, 390, 1280]) {
        await inWidth(width, async (host) => {
          const { el } = await mountPortal({ container: host });
          const wallet = await section(el, 'credyt-portal-wallet');
          await find(wallet, '.stat.outline');
          const rects = () => [...wallet.querySelectorAll('.stat')].map((card) => JSON.stringify(card.getBoundingClientRect()));
          const before = { cards: rects(), height: walletHeight(el) };
          await find(wallet, '[part="balance"]', 8000);
          expect(wallet.querySelectorAll('.stat.outline')).to.have.length(0);
          expect(rects(), `cards at ${width}px`).to.deep.equal(before.cards);
          expect(walletHeight(el), `wallet at ${width}px`).to.equal(before.height);
        });
      }
    } finally {
      restore();
    }
  });

  it('has the height of a wallet of one balance too on a first visit, on a 390 px phone and a wide page', async () => {
    // The same skeleton (two balances: nothing remembered, no hint), a wallet of one dollar balance, 1 s late.
    const restore = slowWallet((accounts) => accounts.slice(0, 1), 1000);
    try {
      for (const width of [390, 1280]) {
        cleanup(); // a first visit at each width: the count the last one remembered is forgotten
        await inWidth(width, async (host) => {
          const { wallet, before, after } = await skeletonThenBalances(host, 3);
          expect(wallet.querySelectorAll('.stat')).to.have.length(2);
          expect(after, `wallet at ${width}px`).to.equal(before);
        });
      }
    } finally {
      restore();
    }
  });

  it('sets two balances side by side on a 390 px phone, the month’s spend on a row of its own, a lone balance across', async () => {
    for (const count of [2, 1]) {
      const restore = slowWallet((accounts) => accounts.slice(0, count), 0);
      try {
        await inWidth(390, async (host) => {
          const { el } = await mountPortal({ container: host });
          const wallet = await section(el, 'credyt-portal-wallet');
          await find(wallet, '[part="balance"]');
          const list = wallet.querySelector('.stats')!.getBoundingClientRect();
          const balances = [...wallet.querySelectorAll('[part="balance"]')].map((card) => card.getBoundingClientRect());
          const spent = wallet.querySelector('[data-stat="spent-this-month"]')!.getBoundingClientRect();
          expect(balances).to.have.length(count);
          if (count === 2) {
            expect(balances[0]!.top).to.equal(balances[1]!.top);
            expect(balances[0]!.width).to.be.closeTo(balances[1]!.width, 1);
            expect(balances[0]!.width).to.be.below(list.width / 2);
          } else {
            expect(balances[0]!.width).to.be.closeTo(list.width, 1);
          }
          expect(spent.top).to.be.at.least(balances[0]!.bottom);
          expect(spent.width).to.be.closeTo(list.width, 1);
        });
      } finally {
        restore();
      }
    }
  });

  it('remembers how many cards the wallet had: the next visit’s skeleton has as many, and nothing moves', async () => {
    // A new customer's wallet: one dollar balance and the month's spend, 0.5 s late.
    const restore = slowWallet((accounts) => accounts.slice(0, 1), 500);
    try {
      await inWidth(390, async (host) => {
        const first = await mountPortal({ container: host });
        await find(await section(first.el, 'credyt-portal-wallet'), '[part="balance"]', 8000);
        expect(localStorage.getItem('credyt-portal:wallet-cards')).to.equal('2');
        first.el.remove();

        const { before, after } = await skeletonThenBalances(host, 2);
        expect(after).to.equal(before);
      });
    } finally {
      restore();
    }
  });

  it('takes the page’s hint for the skeleton’s cards (the hosted page knows the balances)', async () => {
    const { el } = await mountPortal({ scenario: 'slow', setup: (el) => (el.dataset.walletCards = '5') });
    const wallet = await section(el, 'credyt-portal-wallet');
    await find(wallet, '.stat.outline');
    expect(wallet.querySelectorAll('.stat.outline')).to.have.length(5);
  });

  it('draws a negative dollar amount in Arabic as "-0.12 US$", never "$-0.12 US"', async () => {
    const { el, link } = await mountPortal({ scenario: 'rtl' });
    const wallet = await section(el, 'credyt-portal-wallet');
    await find(wallet, '[part="balance"]');
    expect(getComputedStyle(root(el).querySelector('.portal')!).direction).to.equal('rtl');
    await streamOpen(link);
    await emitStreamEvent(link, 'wallet.updated', {
      account: { ...account('default:USD', USD, '-0.12', '17.25') },
      spent_this_month: { currency: 'USD', amount: '98.3625' },
    });
    const card = () => wallet.querySelector('[data-account="default:USD"]');
    await waitUntil(() => card()?.classList.contains('negative'));
    const seen = visualText(card()!.querySelector('.amount')!);
    expect(seen).to.not.contain('$-');
    expect(seen).to.equal('-0.12US$');
    // Inside an Arabic sentence too ("… spent this month"), the amount stays whole.
    const spentLine = [...card()!.querySelectorAll('.detail')].at(-1)!;
    expect(visualText(spentLine)).to.contain('17.25US$');
    // A custom unit reads as figure then unit, left to right, in its own run: "-3.5000 tokens".
    expect(visualText(wallet.querySelector('[data-account="default:TOKENS"] .amount')!)).to.equal('-3.5000tokens');
    // Aligned as the page reads: at the right of the card, where an Arabic reader starts.
    const cardBox = card()!.getBoundingClientRect();
    const figureBox = card()!.querySelector('.figure')!.getBoundingClientRect();
    expect(cardBox.right - figureBox.right).to.be.below(20);
    expect(figureBox.left - cardBox.left).to.be.above(20);
    // "≈" comes first, so it stands at the right: "98.36 US$ ≈" on the screen.
    expect(visualText(wallet.querySelector('[part="stat"] .figure')!)).to.equal('98.36US$≈');
  });

  it('warns about a negative balance and a low one', async () => {
    const { el } = await mountPortal();
    const wallet = await section(el, 'credyt-portal-wallet');
    await find(wallet, '[part="balance"]');
    const [usd, credits, tokens] = wallet.querySelectorAll('[part="balance"]');
    expect(tokens!.classList.contains('negative')).to.equal(true);
    expect(text(tokens!.querySelector('.notice.danger'))).to.contain('below zero');
    expect(text(credits!.querySelector('.notice.warning'))).to.contain('running low');
    expect(usd!.querySelector('.notice')).to.equal(null);
  });

  it('calls a balance low when it would last less than a week at this month’s pace', () => {
    const base = { ...account('default:USD', USD, '0'), fiat_value: null };
    const tenth = new Date(2025, 10, 10);
    // 10 days spent 100 → 10 a day → a week is 70.
    expect(isLow({ ...base, available: '69.99', spent_this_month: '100' }, tenth)).to.equal(true);
    expect(isLow({ ...base, available: '70', spent_this_month: '100' }, tenth)).to.equal(false);
    expect(isLow({ ...base, available: '1', spent_this_month: '0' }, tenth)).to.equal(false);
  });

  it('updates a balance live from the stream’s wallet.updated, highlights it and announces it', async () => {
    const { el, link } = await mountPortal();
    const wallet = await section(el, 'credyt-portal-wallet');
    await find(wallet, '[part="balance"]');
    await streamOpen(link);
    const delivered = await emitStreamEvent(link, 'wallet.updated', {
      account: { ...account('default:USD', USD, '142.5', '17.25') },
      spent_this_month: { currency: 'USD', amount: '98.3625' },
    });
    expect(delivered).to.equal(1);
    await waitUntil(() => text(wallet.querySelector('[data-account="default:USD"]')).includes('$142.50'));
    expect(wallet.querySelector('[data-account="default:USD"]')!.classList.contains('updated')).to.equal(true);
    expect(text(wallet.querySelector('[aria-live="polite"]'))).to.equal('US Dollar balance is now $142.50.');
  });
});

import { expect, waitUntil } from '@open-wc/testing';
import { cleanup, emitStreamEvent, find, mountPortal, section, streamOpen, text } from '../test-support/portal.ts';
import { isLow } from './wallet.ts';

describe('wallet section', () => {
  afterEach(cleanup);

  it('shows every balance, fiat and custom, with the fiat value under a custom one and this month’s spend', async () => {
    const { el } = await mountPortal();
    const wallet = await section(el, 'credyt-portal-wallet');
    await find(wallet, '[part="balance"]');
    const balances = [...wallet.querySelectorAll('[part="balance"]')].map(text);
    expect(balances[0]).to.contain('US Dollar').and.contain('$42.50').and.contain('$17.25 spent this month');
    expect(balances[1]).to.contain('Credits').and.contain('1,250 credits').and.contain('≈ $12.50');
    expect(balances[2]).to.contain('GPU tokens').and.contain('-3.5000 tokens');
    expect(text(wallet.querySelector('.summary'))).to.contain('$98.36');
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
    const account = {
      id: 'default:USD',
      asset: { code: 'USD', name: 'US Dollar', symbol: '$', label: null, precision: 2, fiat: true },
      fiat_value: null,
      fiat_currency: 'USD',
      pending_in: '0',
    };
    const tenth = new Date(2025, 10, 10);
    // 10 days spent 100 → 10 a day → a week is 70.
    expect(isLow({ ...account, available: '69.99', spent_this_month: '100' }, tenth)).to.equal(true);
    expect(isLow({ ...account, available: '70', spent_this_month: '100' }, tenth)).to.equal(false);
    expect(isLow({ ...account, available: '1', spent_this_month: '0' }, tenth)).to.equal(false);
  });

  it('updates a balance live from the stream’s wallet.updated, highlights it and announces it', async () => {
    const { el, link } = await mountPortal();
    const wallet = await section(el, 'credyt-portal-wallet');
    await find(wallet, '[part="balance"]');
    await streamOpen(link);
    const delivered = await emitStreamEvent(link, 'wallet.updated', {
      account: {
        id: 'default:USD',
        asset: { code: 'USD', name: 'US Dollar', symbol: '$', label: null, precision: 2, fiat: true },
        available: '142.5',
        fiat_value: '142.5',
        fiat_currency: 'USD',
        spent_this_month: '17.25',
        pending_in: '0',
      },
      spent_this_month: { currency: 'USD', amount: '98.3625' },
    });
    expect(delivered).to.equal(1);
    await waitUntil(() => text(wallet.querySelector('[data-account="default:USD"]')).includes('$142.50'));
    expect(wallet.querySelector('[data-account="default:USD"]')!.classList.contains('updated')).to.equal(true);
    expect(text(wallet.querySelector('[aria-live="polite"]'))).to.equal('US Dollar balance is now $142.50.');
  });
});

import { expect, waitUntil } from '@open-wc/testing';
import { cleanup, find, fixtureLog, mountPortal, section, text } from '../test-support/portal.ts';

describe('auto top-up section', () => {
  afterEach(cleanup);

  it('shows each setting with the saved card, the last failure and how to fix it', async () => {
    const { el } = await mountPortal();
    const auto = await section(el, 'credyt-portal-auto-top-up');
    const [usd, credits] = (await find(auto, '.settings')).querySelectorAll('form');
    expect(text(usd)).to.contain('Top up US Dollar automatically');
    expect(usd!.querySelector<HTMLInputElement>('input[type="checkbox"]')!.checked).to.equal(true);
    expect(text(usd)).to.contain('visa ending in 4242, expires 12/2030');
    expect(text(usd!.querySelector('.notice.danger')))
      .to.contain('Your card was declined.')
      .and.contain('Save a different card');
    expect(text(credits)).to.contain('No card saved yet');
    expect(credits!.querySelector<HTMLAnchorElement>('a')!.href).to.equal('https://pay.example/setup/seti_123');
  });

  it('saves a new threshold and amount', async () => {
    const { el, link } = await mountPortal();
    const auto = await section(el, 'credyt-portal-auto-top-up');
    const form = (await find(auto, '.settings')).querySelector('form')!;
    const [threshold, amount] = form.querySelectorAll<HTMLInputElement>('input[inputmode="decimal"]');
    threshold!.value = '20';
    threshold!.dispatchEvent(new Event('input'));
    amount!.value = '75.50';
    amount!.dispatchEvent(new Event('input'));
    await waitUntil(() => !form.querySelector<HTMLButtonElement>('button[type="submit"]')!.disabled);
    form.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await waitUntil(() => text(auto.querySelector('.notice.success')) === 'Saved.');
    const put = (await fixtureLog(link)).requests.find((r) => r.method === 'PUT');
    expect(put?.path).to.equal('/portal/api/auto-top-up/USD');
  });
});

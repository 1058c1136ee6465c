import { expect, waitUntil } from '@open-wc/testing';
import { cleanup, emitStreamEvent, find, mountPortal, section, streamOpen, text } from '../test-support/portal.ts';

describe('usage section', () => {
  afterEach(cleanup);

  it('lists product, subject, fee description and amount, with tiny fees shown honestly', async () => {
    const { el } = await mountPortal();
    const usage = await section(el, 'credyt-portal-usage');
    const rows = (await find(usage, 'tbody')).querySelectorAll('tr');
    expect(rows).to.have.length(25);
    const first = [...rows[0]!.querySelectorAll('td')].map(text);
    expect(first[1]).to.contain('Chat completions');
    expect(first[2]).to.equal('project-alpha');
    expect(first[3]).to.equal('$1.25 per 1,000,000 input_tokens');
    expect(first[4]).to.equal('$0.50');
    expect(text(rows[1]!.querySelectorAll('td')[4])).to.equal('less than $0.01');
    expect(text(rows[2]!.querySelectorAll('td')[4]))
      .to.contain('30 credits')
      .and.contain('≈ $0.30');
  });

  it('pages with the cursor', async () => {
    const { el } = await mountPortal();
    const usage = await section(el, 'credyt-portal-usage');
    await find(usage, 'tbody');
    const [previous, next] = usage.querySelectorAll<HTMLButtonElement>('.pager button');
    expect(previous!.disabled).to.equal(true);
    next!.click();
    await waitUntil(() => usage.querySelectorAll('tbody tr').length === 5);
    expect(text(usage.querySelector('.pager'))).to.contain('Page 2');
    expect(next!.disabled).to.equal(true);
    previous!.click();
    await waitUntil(() => usage.querySelectorAll('tbody tr').length === 25);
  });

  it('shows the description in a tooltip on focus and on tap, and Escape hides it', async () => {
    const { el } = await mountPortal();
    const usage = await section(el, 'credyt-portal-usage');
    const button = await find<HTMLButtonElement>(usage, '.tip-button');
    const tip = usage.getElementById(button.getAttribute('aria-describedby')!)!;
    expect(getComputedStyle(tip).display).to.equal('none');
    button.focus();
    await waitUntil(() => getComputedStyle(tip).display === 'block');
    expect(text(tip)).to.equal('Request 1 from the Chat completions API');
    button.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    await waitUntil(() => getComputedStyle(tip).display === 'none');
    button.blur();
    button.click(); // a tap
    await waitUntil(() => button.getAttribute('aria-expanded') === 'true');
    expect(getComputedStyle(tip).display).to.equal('block');
  });

  it('adds usage pushed by the stream to the first page', async () => {
    const { el, link } = await mountPortal();
    const usage = await section(el, 'credyt-portal-usage');
    await find(usage, 'tbody');
    await streamOpen(link);
    await emitStreamEvent(link, 'usage.created', {
      id: 'evt_live',
      occurred_at: new Date().toISOString(),
      product: { code: 'image', name: 'Image generation' },
      subject: 'live-subject',
      description: null,
      fee_description: '$0.50 per event',
      amount: '0.5',
      asset: 'USD',
      fiat_amount: '0.5',
    });
    await waitUntil(() => text(usage.querySelector('tbody tr')).includes('live-subject'));
  });

  it('renders a subject and description carrying markup as text, and runs nothing', async () => {
    const ran = { value: false };
    (window as unknown as { alert: () => void }).alert = () => (ran.value = true);
    const { el } = await mountPortal({ scenario: 'xss' });
    const usage = await section(el, 'credyt-portal-usage');
    const row = (await find(usage, 'tbody')).querySelector('tr')!;
    const cells = row.querySelectorAll('td');
    expect(cells[2]!.textContent).to.equal('<img src=x onerror=alert(1)>');
    expect(row.querySelector('[role="tooltip"]')!.textContent).to.equal('<img src=x onerror=alert(1)>');
    expect(row.querySelector('img')).to.equal(null);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ran.value).to.equal(false);
  });
});

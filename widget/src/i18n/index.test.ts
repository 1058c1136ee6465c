import { expect } from '@open-wc/testing';
import { loadI18n } from './index.ts';

const USD = { code: 'USD', name: 'US Dollar', fiat: true };
const EUR = { code: 'EUR', name: 'Euro', fiat: true };
const CREDITS = { code: 'CREDITS', name: 'Image credits', fiat: false };

/** The places a line may break at: every whitespace that is not a no-break space. */
const breaks = (text: string) => [...text.matchAll(/[^\S\u00a0\u202f\u2007]/g)].length;

describe('I18n', () => {
  it('names a currency in the customer’s language, a custom asset by the platform’s name', async () => {
    const [en, es, ar] = await Promise.all(['en', 'es', 'ar'].map(loadI18n));
    expect([en!.assetName(USD), es!.assetName(USD), ar!.assetName(USD)]).to.deep.equal([
      'US Dollar',
      'Dólar estadounidense',
      'دولار أمريكي',
    ]);
    // Inside a sentence, as the language writes it there.
    expect(es!.assetName(USD, false)).to.equal('dólar estadounidense');
    expect(es!.assetName(EUR)).to.equal('Euro');
    expect([es!.assetName(CREDITS), ar!.assetName(CREDITS)]).to.deep.equal(['Image credits', 'Image credits']);
    // A code Intl does not know as a currency keeps the platform's name.
    expect(es!.assetName({ code: 'XYZ1', name: 'Tokens', fiat: true })).to.equal('Tokens');
  });

  it('dates a moment of this year without the year, of another year with it', async () => {
    const en = await loadI18n('en-US');
    const now = new Date(2026, 11, 3, 16, 0);
    expect(en.dateTime(new Date(2026, 11, 3, 12, 40).toISOString(), now).replace(/\s/g, ' ')).to.equal('Dec 3, 12:40 PM');
    expect(en.dateTime(new Date(2025, 10, 28, 9, 5).toISOString(), now).replace(/\s/g, ' ')).to.equal('Nov 28, 2025, 9:05 AM');
    expect(en.dateTime('not a date', now)).to.equal('not a date');
  });

  it('names a calendar day without the year in this year, with it in another, whatever the time zone', async () => {
    const [en, es] = await Promise.all(['en-US', 'es'].map(loadI18n));
    const now = new Date(2026, 11, 3, 16, 0);
    expect(en!.day('2026-12-01', now)).to.equal('Dec 1');
    expect(en!.day('2025-11-28', now)).to.equal('Nov 28, 2025');
    expect(es!.day('2026-12-01', now)).to.equal('1 dic');
    expect(en!.day('not a day', now)).to.equal('not a day');
  });

  it('lets a date and time wrap only between the date and the time, in every language', async () => {
    const now = new Date(2026, 11, 3, 16, 0);
    for (const locale of ['en-US', 'es', 'ar', 'de', 'ja']) {
      const i18n = await loadI18n(locale);
      for (const at of [new Date(2026, 11, 3, 12, 40), new Date(2025, 10, 28, 21, 5)]) {
        const shown = i18n.dateTime(at.toISOString(), now);
        expect(breaks(shown), `${locale}: "${shown}"`).to.be.at.most(1);
        // Never inside the time: "12:40 PM", "12:40 م" stay whole.
        const time = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' }).format(at);
        expect(breaks(shown.slice(shown.length - time.length)), `${locale}: the time of "${shown}"`).to.equal(0);
      }
    }
  });

  it('says the month’s spend as a label in Spanish and Arabic: “Gastado este mes: 4,24 US$”', async () => {
    const [es, ar] = await Promise.all(['es', 'ar'].map(loadI18n));
    expect(es!.t('accountSpent', { amount: '4,24 US$' })).to.equal('Gastado este mes: 4,24 US$');
    expect(ar!.t('accountSpent', { amount: '4.24 US$' })).to.equal('المُنفق هذا الشهر: 4.24 US$');
  });
});

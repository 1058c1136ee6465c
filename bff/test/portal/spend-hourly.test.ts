import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortalSpend } from '@credyt/shared';
import {
  createPortalContext,
  fundedCustomer,
  portal,
  sendEvents,
  signIn,
  unitPrice,
  type PortalTestContext,
  type TestPlatform,
} from './helpers.ts';
import { hourPeriods } from '../../src/spend/spend.routes.ts';

/** `interval=hour`: the hourly rollup as it is, labelled in the caller's time zone, summed exactly. */
describe('portal spend by the hour', () => {
  let ctx: PortalTestContext;
  let p: TestPlatform;
  let token: string;
  // 19 significant digits: as a float it reads back 1234567.8901234567, and three of them 3703703.6703703701.
  const PRICE = '1234567.890123456789';
  const SMALL = '0.000000000000000007';

  beforeAll(async () => {
    ctx = await createPortalContext();
    p = await ctx.newPlatform();
    const c = await fundedCustomer(
      p,
      [unitPrice('big', 'USD', PRICE), unitPrice('tiny', 'USD', SMALL)],
      [{ asset: 'USD', amount: '100000000' }],
    );
    await sendEvents(p, c.id, [
      // New York, 2025-03-10 (EDT, UTC−4): three at 09:xx local, one at 10:00 local, a tiny one in the same hour.
      { id: 'h-1', event_type: 'big', occurred_at: '2025-03-10T13:00:00Z' },
      { id: 'h-2', event_type: 'big', occurred_at: '2025-03-10T13:29:59.999Z' },
      { id: 'h-3', event_type: 'big', occurred_at: '2025-03-10T13:59:59.999Z' },
      { id: 'h-4', event_type: 'tiny', occurred_at: '2025-03-10T13:45:00Z' },
      { id: 'h-5', event_type: 'big', occurred_at: '2025-03-10T14:00:00Z' },
      // 23:30 local on the 10th in New York (03:30Z on the 11th): the last hour of the local day.
      { id: 'h-6', event_type: 'tiny', occurred_at: '2025-03-11T03:30:00Z' },
    ]);
    token = (await signIn(ctx.app, p, c.id)).accessToken;
  });
  afterAll(() => ctx.close());

  const hours = async (query: string) => {
    const res = await portal(ctx.app, token, `/spend?interval=hour&asset=USD&${query}`);
    expect(res.status).toBe(200);
    return PortalSpend.parse(res.body).series[0]!.points;
  };

  it('sums each hour exactly, in the local hours of the time zone given', async () => {
    const points = await hours('from=2025-03-10&to=2025-03-10&tz=America/New_York');
    expect(points).toHaveLength(24);
    expect(points[0]!.period).toBe('2025-03-10T00:00-04:00');
    expect(points[23]!.period).toBe('2025-03-10T23:00-04:00');
    const nonZero = points.filter((pt) => pt.amount !== '0');
    expect(nonZero).toEqual([
      { period: '2025-03-10T09:00-04:00', amount: '3703703.670370370367000007', fiat_amount: '3703703.670370370367000007' },
      { period: '2025-03-10T10:00-04:00', amount: PRICE, fiat_amount: PRICE },
      { period: '2025-03-10T23:00-04:00', amount: SMALL, fiat_amount: SMALL },
    ]);
    // The same hours in UTC: the late one belongs to the 11th there.
    const utc = (await hours('from=2025-03-10&to=2025-03-10')).filter((pt) => pt.amount !== '0');
    expect(utc.map((pt) => pt.period)).toEqual(['2025-03-10T13:00+00:00', '2025-03-10T14:00+00:00']);
  });

  it('keeps every hour of a DST change, each once, and shows a half-hour zone as it is', async () => {
    // 2025-03-09 in New York has 23 hours: 01:00 EST is followed by 03:00 EDT.
    const dst = await hours('from=2025-03-09&to=2025-03-09&tz=America/New_York');
    expect(dst).toHaveLength(23);
    expect(dst.slice(1, 3).map((pt) => pt.period)).toEqual(['2025-03-09T01:00-05:00', '2025-03-09T03:00-04:00']);
    // 2025-11-02 has 25: 01:00 comes twice, once in each offset.
    const back = hourPeriods('2025-11-02', '2025-11-02', 'America/New_York').map((h) => h.period);
    expect(back).toHaveLength(25);
    expect(back.slice(1, 3)).toEqual(['2025-11-02T01:00-04:00', '2025-11-02T01:00-05:00']);
    // Kolkata is UTC+5:30: the rollup's hours start at half past the local hour.
    const kolkata = await hours('from=2025-03-10&to=2025-03-10&tz=Asia/Kolkata');
    expect(kolkata[0]!.period).toBe('2025-03-10T00:30+05:30');
    expect(kolkata.filter((pt) => pt.amount !== '0').map((pt) => pt.period)).toEqual(['2025-03-10T18:30+05:30', '2025-03-10T19:30+05:30']);
  });

  it('defaults to yesterday and today, and refuses more than MAX_POINTS hours', async () => {
    const res = await portal(ctx.app, token, '/spend?interval=hour&asset=USD');
    expect(PortalSpend.parse(res.body).series[0]!.points).toHaveLength(48);
    expect((await portal(ctx.app, token, '/spend?interval=hour&from=2025-01-01&to=2025-03-01')).status).toBe(422);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPortalContext,
  fundedCustomer,
  portal,
  signIn,
  testClock,
  unitPrice,
  type PortalTestContext,
  type TestPlatform,
} from './helpers.ts';

/** "Spent this month" in a caller's time zone: whole UTC days from the daily rollup, the edge hours from the hourly one. */
describe('wallet: spent this month across time zones', () => {
  const clock = testClock(new Date('2026-12-15T12:00:00Z'));
  let ctx: PortalTestContext;
  let p: TestPlatform;
  beforeAll(async () => {
    ctx = await createPortalContext({ clock });
    p = await ctx.newPlatform();
  });
  afterAll(() => ctx.close());

  it('counts exactly the charges inside the local month, to the hour', async () => {
    const c = await fundedCustomer(p, [unitPrice('op', 'USD', '0.01')], [{ asset: 'USD', amount: 100 }]);
    const at = [
      '2026-11-30T14:59:00Z', // Tokyo: 23:59 on Nov 30 → November
      '2026-11-30T15:00:00Z', // Tokyo: 00:00 on Dec 1 → December
      '2026-11-30T23:30:00Z', // UTC November, Tokyo December
      '2026-12-01T00:00:00Z',
      '2026-12-14T10:00:00Z',
      '2026-12-31T14:59:00Z', // Tokyo: 23:59 on Dec 31 → December
      '2026-12-31T15:00:00Z', // Tokyo: January
      '2027-01-01T00:00:00Z', // UTC January
    ];
    const sent = await p.call('POST', '/events', {
      customer_id: c.id,
      events: at.map((t, i) => ({ id: `m-${i}`, event_type: 'op', occurred_at: t })),
    });
    expect(sent.status).toBe(201);
    const { accessToken } = await signIn(ctx.app, p, c.id);
    const spent = async (tz?: string) => {
      const r = await portal(ctx.app, accessToken, `/wallet${tz ? `?tz=${encodeURIComponent(tz)}` : ''}`);
      return [r.body.accounts[0].spent_this_month, r.body.spent_this_month.amount];
    };
    expect(await spent()).toEqual(['0.04', '0.04']); // UTC December: Dec 1, Dec 14, Dec 31 14:59 and 15:00
    expect(await spent('Asia/Tokyo')).toEqual(['0.05', '0.05']); // Nov 30 15:00 and 23:30, Dec 1, Dec 14, Dec 31 14:59
    expect(await spent('America/New_York')).toEqual(['0.04', '0.04']); // [Dec 1 05:00Z, Jan 1 05:00Z): Dec 14, both Dec 31, Jan 1 00:00Z
  });

  it('is current after every append, in every time zone read before, and starts over with the month', async () => {
    const c = await fundedCustomer(p, [unitPrice('op2', 'USD', '0.01')], [{ asset: 'USD', amount: 10 }]);
    let { accessToken } = await signIn(ctx.app, p, c.id);
    const read = async (tz = 'UTC') => {
      const r = await portal(ctx.app, accessToken, `/wallet?tz=${encodeURIComponent(tz)}`);
      return [r.body.accounts[0].available, r.body.accounts[0].spent_this_month, r.body.spent_this_month.amount];
    };
    const charge = async (id: string, occurred_at: string) =>
      expect((await p.call('POST', '/events', { customer_id: c.id, events: [{ id, event_type: 'op2', occurred_at }] })).status).toBe(201);

    expect(await read()).toEqual(['10', '0', '0']);
    expect(await read('Asia/Tokyo')).toEqual(['10', '0', '0']);
    await charge('a', '2026-12-15T11:00:00Z');
    expect(await read()).toEqual(['9.99', '0.01', '0.01']);
    expect(await read('Asia/Tokyo')).toEqual(['9.99', '0.01', '0.01']);
    await charge('b', '2026-11-30T20:00:00Z'); // Tokyo December, UTC November
    expect(await read('Asia/Tokyo')).toEqual(['9.98', '0.02', '0.02']);
    expect(await read()).toEqual(['9.98', '0.01', '0.01']);
    const gift = await p.call('POST', `/customers/${c.id}/wallet/adjustments`, {
      transaction_id: 'gift-memo',
      asset: 'USD',
      amount: '5',
      reason: 'gift',
      description: 'Moves the balance, not the spend',
    });
    expect(gift.status).toBe(201);
    expect(await read()).toEqual(['14.98', '0.01', '0.01']);
    clock.advance(31 * 86_400_000); // 2027-01-15: a new month, nothing spent in it yet
    ({ accessToken } = await signIn(ctx.app, p, c.id));
    expect(await read()).toEqual(['14.98', '0', '0']);
    clock.advance(-31 * 86_400_000);
    ({ accessToken } = await signIn(ctx.app, p, c.id));
    expect(await read()).toEqual(['14.98', '0.01', '0.01']);
  });
});

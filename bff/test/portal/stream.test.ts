import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortalAccount, Transaction, UsageItem } from '@credyt/shared';
import { ACCESS_LIFETIME_MS } from '../../src/sessions/service.ts';
import {
  createPortalContext,
  fundedCustomer,
  newLink,
  sendEvents,
  signIn,
  sseReader,
  testClock,
  unitPrice,
  type PortalTestContext,
  type TestPlatform,
} from './helpers.ts';

describe('portal stream', () => {
  const clock = testClock();
  let ctx: PortalTestContext;
  let p: TestPlatform;
  let n = 0;
  beforeAll(async () => {
    ctx = await createPortalContext({ clock });
    p = await ctx.newPlatform();
  });
  afterAll(() => ctx.close());

  const customer = () => fundedCustomer(p, [unitPrice('chat', 'USD', '0.25')], [{ asset: 'USD', amount: 5 }]);
  const chat = (customerId: string, count = 1) =>
    sendEvents(
      p,
      customerId,
      Array.from({ length: count }, () => ({
        id: `chat-${++n}`,
        event_type: 'chat',
        occurred_at: new Date().toISOString(),
        subject: `s-${n}`,
      })),
    );
  const open = async (headers: Record<string, string>) => {
    const res = await ctx.app.request('/portal/api/stream', { headers });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    return sseReader(res);
  };

  it('pushes usage.created, transaction.created and wallet.updated for a write, with the ledger seq as id', async () => {
    const c = await customer();
    const { accessToken } = await signIn(ctx.app, p, c.id);
    const stream = await open({ authorization: `Bearer ${accessToken}` });
    await chat(c.id);
    const events = await stream.collect('wallet.updated', 1);
    expect(events.map((e) => e.event)).toEqual(['usage.created', 'transaction.created', 'wallet.updated']);
    const usage = UsageItem.parse(events[0]!.data);
    const txn = Transaction.parse(events[1]!.data);
    expect(usage).toMatchObject({ amount: '0.25', asset: 'USD', subject: `s-${n}` });
    expect(txn).toMatchObject({ category: 'usage', amount: '-0.25', balance_after: '4.75' });
    // The usage item is the event; each of its fees is a ledger entry.
    expect(usage.fees.map((f) => f.id)).toEqual([txn.id]);
    expect(events[1]!.id).toMatch(/^\d+$/);
    expect(events[0]!.id).toBeNull();
    const { account, spent_this_month } = events[2]!.data;
    expect(PortalAccount.parse(account)).toMatchObject({ id: 'default:USD', available: '4.75', spent_this_month: '0.25' });
    expect(spent_this_month).toEqual({ currency: 'USD', amount: '0.25' });
    expect(stream.state.retry).toBe(3000);
    expect(stream.state.comments).toContain('connected');
    await stream.close();
  });

  it('sends heartbeats', async () => {
    const c = await customer();
    const { accessToken } = await signIn(ctx.app, p, c.id);
    const stream = await open({ authorization: `Bearer ${accessToken}` });
    await expect(stream.next(undefined, 700)).rejects.toThrow(/no event/);
    expect(stream.state.comments.filter((x) => x === 'ping').length).toBeGreaterThanOrEqual(2);
    await stream.close();
  });

  it('resumes after Last-Event-ID with what was written while away', async () => {
    const c = await customer();
    const { accessToken } = await signIn(ctx.app, p, c.id);
    const first = await open({ authorization: `Bearer ${accessToken}` });
    await chat(c.id);
    const seen = await first.next('transaction.created');
    await first.close();

    await chat(c.id, 3);
    const resumed = await open({ authorization: `Bearer ${accessToken}`, 'last-event-id': seen.id! });
    const events = await resumed.collect('wallet.updated', 1);
    const txns = events.filter((e) => e.event === 'transaction.created');
    expect(txns.map((e) => e.data.balance_after)).toEqual(['4.5', '4.25', '4']);
    const ids = txns.map((e) => Number(e.id));
    expect(ids.every((id, i) => id > Number(seen.id) && (i === 0 || id > ids[i - 1]!))).toBe(true);
    expect(events.filter((e) => e.event === 'usage.created')).toHaveLength(3);
    expect(events.at(-1)!.data.account.available).toBe('4');
    // Live events keep coming after the replay.
    await chat(c.id);
    expect((await resumed.next('wallet.updated')).data.account.available).toBe('3.75');
    await resumed.close();
  });

  it("never carries another customer's entries", async () => {
    const mine = await customer();
    const theirs = await customer();
    const { accessToken } = await signIn(ctx.app, p, mine.id);
    const stream = await open({ authorization: `Bearer ${accessToken}` });
    await chat(theirs.id, 2);
    await expect(stream.next(undefined, 400)).rejects.toThrow(/no event/);
    await chat(mine.id);
    expect((await stream.next('transaction.created')).data.balance_after).toBe('4.75');
    await stream.close();
  });

  it('works with the hosted cookie', async () => {
    const c = await customer();
    const link = await newLink(p, c.id);
    const signInRes = await ctx.app.request(new URL(link.redirect_url).pathname + new URL(link.redirect_url).search);
    const cookie = signInRes.headers.get('set-cookie')!.split(';')[0]!;
    const stream = await open({ cookie });
    await chat(c.id);
    expect((await stream.next('wallet.updated')).data.account.available).toBe('4.75');
    await stream.close();
  });

  it('closes when the session is revoked', async () => {
    const c = await customer();
    const { accessToken, sessionId } = await signIn(ctx.app, p, c.id);
    const stream = await open({ authorization: `Bearer ${accessToken}` });
    expect((await p.call('POST', `/billing-portal/sessions/${sessionId}/revoke`)).status).toBe(200);
    await stream.waitForEnd(2000);
    const again = await ctx.app.request('/portal/api/stream', { headers: { authorization: `Bearer ${accessToken}` } });
    expect(again.status).toBe(401);
  });

  it('does not send a write that lands after revocation, and closes', async () => {
    const c = await customer();
    const { accessToken } = await signIn(ctx.app, p, c.id);
    const stream = await open({ authorization: `Bearer ${accessToken}` });
    expect((await p.call('POST', `/customers/${c.id}/billing-portal/sessions/revoke`)).status).toBe(200);
    await chat(c.id);
    await stream.waitForEnd(2000);
    await expect(stream.next('transaction.created', 10)).rejects.toThrow();
  });

  it('closes when the session expires', async () => {
    const c = await customer();
    const { accessToken } = await signIn(ctx.app, p, c.id);
    const stream = await open({ authorization: `Bearer ${accessToken}` });
    clock.advance(ACCESS_LIFETIME_MS);
    await stream.waitForEnd(2000);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers.ts';

describe('routing', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(() => ctx.close());

  it('keeps Hono on its RegExpRouter: one ambiguous pair of routes moves the whole app to the slower TrieRouter', async () => {
    await ctx.app.request('/livez'); // SmartRouter picks its router on the first match
    const router = (ctx.app as unknown as { router: { activeRouter?: { name: string } } }).router;
    expect(router.activeRouter?.name).toBe('RegExpRouter');
  });

  it('documents GET /accounts/self, which /accounts/{id} serves', async () => {
    const doc = (await (await ctx.app.request('/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/accounts/self', '/accounts/{id}']));
  });
});

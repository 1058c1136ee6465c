import { randomBytes, randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';

/**
 * The dynamic variables Bruno fills in (`{{$randomUUID}}`, `{{$isoTimestamp}}`…): fresh on every use, as Bruno
 * makes them, so the suite can run again on a shared database.
 */
export const bruno = {
  randomUUID: () => randomUUID(),
  guid: () => randomUUID(),
  isoTimestamp: () => new Date().toISOString(),
  randomFullName: () => `Conformance ${randomBytes(3).toString('hex')}`,
  randomCompanyName: () => `Company ${randomBytes(3).toString('hex')}`,
  randomEmail: () => `c-${randomBytes(4).toString('hex')}@example.com`,
  /** The collection's pre-request scripts: `v4().replace(/-/g, '')`. */
  uuidWithoutHyphens: () => randomUUID().replace(/-/g, ''),
};

/** The shape of every list in Credyt's OpenAPI: limit/offset paging with the total. */
export const credytList = (items: unknown = expect.any(Array)) => ({
  items,
  total_count: expect.any(Number),
  limit: expect.any(Number),
  offset: expect.any(Number),
});

/** A portal session as the collection's scripts read it: the link token after `token=`. */
export const portalSession = {
  id: expect.any(String),
  redirect_url: expect.stringMatching(/[?&]token=[^&]+/),
  expires_at: expect.any(String),
};

/**
 * One request of the collection. A request named in `gaps` does not work as Credyt documents it today: its test
 * must still fail (`it.fails`), so a fix that makes it pass fails the suite until the entry leaves the table.
 */
export function collectionRunner(gaps: Readonly<Record<string, string>>) {
  const seen = new Set<string>();
  const passed = new Set<string>();
  const request = (name: string, body: () => Promise<void>) => {
    if (seen.has(name)) throw new Error(`two requests named ${name}`);
    seen.add(name);
    if (name in gaps) {
      it.fails(`${name} (known gap: ${gaps[name]})`, body);
    } else {
      it(name, async () => {
        await body();
        passed.add(name);
      });
    }
  };
  const unknownGaps = () => Object.keys(gaps).filter((name) => !seen.has(name));
  return { request, seen, passed, unknownGaps };
}

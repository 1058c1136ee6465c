import { z } from '@hono/zod-openapi';

/**
 * Limit/offset paging, as every list in Credyt's OpenAPI pages (https://docs.credyt.ai/api-reference): the platform
 * API follows it; the portal API keeps its keyset cursors, which do not skip or repeat rows as the data moves.
 */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export type PageRequest = z.infer<typeof PageQuery>;

/** A page of rows with the count of every row the filter matches. */
export interface Page<T> {
  rows: T[];
  total: number;
}

/** The answer's shape: `{ items, total_count, limit, offset }`. */
export const ListOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), total_count: z.number().int(), limit: z.number().int(), offset: z.number().int() });

export function presentPage<T, U>(page: Page<T>, request: PageRequest, present: (row: T) => U) {
  return { items: page.rows.map(present), total_count: page.total, limit: request.limit, offset: request.offset };
}

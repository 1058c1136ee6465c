import { OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { fromZodError, invalid } from './problem.ts';

/** Every router validates with zod at the edge and answers a failure as a 422 naming each field. */
export function createRouter<E extends Env>() {
  return new OpenAPIHono<E>({
    defaultHook: (result) => {
      if (!result.success) throw invalid(fromZodError(result.error));
    },
  });
}

/** An OpenAPI JSON response: the schema that documents what the route answers. */
export const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });

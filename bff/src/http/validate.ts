import { validator } from 'hono/validator';
import type { z } from 'zod';
import { fromZodError, invalid } from './problem.ts';

/** Validates the query string with zod at the edge; a failure is a 422 naming each parameter. */
export const validQuery = <T extends z.ZodType>(schema: T) =>
  validator('query', (value): z.infer<T> => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw invalid(fromZodError(parsed.error));
    return parsed.data;
  });

/** Validates a JSON body with zod; a failure is a 422 naming each field. */
export const validJson = <T extends z.ZodType>(schema: T) =>
  validator('json', (value): z.infer<T> => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw invalid(fromZodError(parsed.error));
    return parsed.data;
  });

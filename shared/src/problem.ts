import { z } from 'zod';

/** RFC 9457 problem details, as every error of both APIs is answered. */
export const FieldError = z.object({
  path: z.string(),
  message: z.string(),
  /** A stable name for the rule that failed (e.g. `below_minimum`), so a client can say it in the customer's language. */
  code: z.string().optional(),
  /** The values the message names (e.g. `{ minimum: "5", currency: "USD" }`). */
  params: z.record(z.string(), z.string()).optional(),
});
export type FieldError = z.infer<typeof FieldError>;

export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  errors: z.array(FieldError).optional(),
});
export type Problem = z.infer<typeof Problem>;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

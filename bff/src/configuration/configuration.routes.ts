import { createRoute, z } from '@hono/zod-openapi';
import type { Database } from '../db/client.ts';
import { createRouter, json } from '../http/router.ts';
import { DecimalInput, money } from '@credyt/shared';
import type { PlatformEnv, PlatformRow } from '../tenancy/api-key.ts';
import { topUpLimits, updateConfiguration } from './service.ts';

const Color = z.string().regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'must be a hex colour such as #4f46e5');
const WebUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const Origin = z
  .string()
  .regex(/^https?:\/\/[^/\s?#]+$/, 'must be an origin such as https://app.example.com (no path)')
  .transform((o) => o.toLowerCase());

/** `PUT` merges: fields left out keep their value; `null` clears an optional one. */
const ConfigurationUpdate = z.object({
  branding: z
    .object({
      name: z.string().min(1).max(100).optional(),
      logo_url: WebUrl.nullable().optional(),
      primary_color: Color.nullable().optional(),
      accent_color: Color.nullable().optional(),
      font_family: z
        .string()
        .max(200)
        .regex(/^[\w\s,'"-]+$/, 'must be a CSS font-family list')
        .nullable()
        .optional(),
    })
    .optional(),
  urls: z
    .object({
      support_url: WebUrl.nullable().optional(),
      terms_url: WebUrl.nullable().optional(),
      product_url: WebUrl.nullable().optional(),
    })
    .optional(),
  allowed_origins: z.array(Origin).max(50).optional(),
  /**
   * Not in Credyt's API: what one top-up may cost, in the platform currency. A minimum below what Stripe can charge
   * (0 included) leaves Stripe's: the answer shows the minimum that applies.
   */
  top_up_limits: z
    .object({
      minimum: DecimalInput.refine((v) => !money(v).isNegative(), 'must not be negative').optional(),
      maximum: DecimalInput.refine((v) => money(v).greaterThan(0), 'must be greater than 0').optional(),
    })
    .optional(),
  features: z
    .object({
      top_up: z.boolean().optional(),
      auto_top_up: z.boolean().optional(),
      spend_history: z.boolean().optional(),
      usage_history: z.boolean().optional(),
      transactions: z.boolean().optional(),
    })
    .optional(),
  default_locale: z
    .string()
    .regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/, 'must be a BCP 47 language tag')
    .optional(),
});

const ConfigurationOut = z.object({
  branding: z.object({
    name: z.string(),
    logo_url: z.string().nullable(),
    primary_color: z.string().nullable(),
    accent_color: z.string().nullable(),
    font_family: z.string().nullable(),
  }),
  urls: z.object({ support_url: z.string().nullable(), terms_url: z.string().nullable(), product_url: z.string().nullable() }),
  allowed_origins: z.array(z.string()),
  features: z.object({
    top_up: z.boolean(),
    auto_top_up: z.boolean(),
    spend_history: z.boolean(),
    usage_history: z.boolean(),
    transactions: z.boolean(),
  }),
  default_locale: z.string(),
  top_up_limits: z.object({ currency: z.string(), minimum: z.string(), maximum: z.string() }),
});

function present(platform: PlatformRow) {
  return {
    ...platform.portalConfig,
    top_up_limits: topUpLimits(platform),
  };
}

export function configurationRoutes(db: Database) {
  return createRouter<PlatformEnv>()
    .openapi(
      createRoute({
        method: 'get',
        path: '/billing-portal/configuration',
        responses: { 200: json(ConfigurationOut, 'The portal configuration') },
      }),
      (c) => c.json(present(c.get('platform')), 200),
    )
    .openapi(
      createRoute({
        method: 'put',
        path: '/billing-portal/configuration',
        request: { body: { content: { 'application/json': { schema: ConfigurationUpdate } }, required: true } },
        responses: { 200: json(ConfigurationOut, 'The portal configuration') },
      }),
      async (c) => c.json(present(await updateConfiguration(db, c.get('platform'), c.req.valid('json'))), 200),
    );
}

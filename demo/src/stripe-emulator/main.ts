/** `pnpm emulator`: the Stripe emulator on its own, configured by the environment. */
import { z } from 'zod';
import { startStripeEmulator } from './index.ts';

const environment = z.object({
  STRIPE_EMULATOR_PORT: z.coerce.number().int().min(0).max(65_535).default(12_111),
  // Empty disables webhook delivery.
  STRIPE_WEBHOOK_URL: z.union([z.url(), z.literal('')]).default('http://localhost:8787/webhooks/stripe'),
  STRIPE_WEBHOOK_SECRET: z.string().min(1).default('whsec_test_secret'),
  STRIPE_EMULATOR_PUBLIC_URL: z.url().optional(),
});

const parsed = environment.safeParse(process.env);
if (!parsed.success) {
  const issue = parsed.error.issues[0]!;
  console.error(`Invalid ${issue.path.join('.')}: ${issue.message}`);
  process.exit(1);
}
const env = parsed.data;

const emulator = await startStripeEmulator({
  port: env.STRIPE_EMULATOR_PORT,
  webhookUrl: env.STRIPE_WEBHOOK_URL,
  webhookSecret: env.STRIPE_WEBHOOK_SECRET,
  publicUrl: env.STRIPE_EMULATOR_PUBLIC_URL,
});
console.log(`Stripe emulator on ${emulator.publicUrl} (webhooks to ${env.STRIPE_WEBHOOK_URL})`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void emulator.close().then(() => process.exit(0)));
}

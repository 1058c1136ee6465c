-- Top-ups have no platform minimum by default (Credyt documents none; its own tutorial buys with a 1 USD top-up):
-- the least Stripe can charge in the platform's currency applies. Platforms created before keep the minimum they
-- hold (5 was the old default; it cannot be told from a 5 set on purpose, so it is not changed behind their back).
ALTER TABLE "platforms" ALTER COLUMN "top_up_minimum" SET DEFAULT '0';
--> statement-breakpoint
-- A price may name the `data` field that says what each of its fees is for (Credyt's `source_reference_field`).
ALTER TABLE "prices" ADD COLUMN "source_reference_field" text;
--> statement-breakpoint
-- Fixed (recurring) prices: no event or usage type, an interval instead. A subscription to one is pending until its
-- first fee is paid, and knows where to send the customer after paying (https://docs.dev.credyt.ai/features/product-catalog/fixed-fee-pricing).
ALTER TABLE "prices" ALTER COLUMN "event_type" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "prices" ALTER COLUMN "usage_type" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "prices" ADD COLUMN "type" text DEFAULT 'usage_based' NOT NULL;--> statement-breakpoint
ALTER TABLE "prices" ADD COLUMN "recurring_interval" text;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "status" text DEFAULT 'active' NOT NULL;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "started_at" timestamp with time zone;--> statement-breakpoint
-- Every subscription so far started when it was created.
UPDATE "subscriptions" SET "started_at" = "created_at";--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "return_url" text;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "failure_url" text;--> statement-breakpoint
CREATE INDEX "subscriptions_subscription_id_index" ON "subscriptions" USING btree ("subscription_id");--> statement-breakpoint
ALTER TABLE "prices" ADD CONSTRAINT "prices_type_shape" CHECK (("prices"."type" = 'usage_based' and "prices"."event_type" is not null and "prices"."usage_type" is not null and "prices"."recurring_interval" is null)
        or ("prices"."type" = 'fixed' and "prices"."event_type" is null and "prices"."usage_type" is null and "prices"."recurring_interval" is not null));--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_status_known" CHECK ("subscriptions"."status" in ('active', 'pending'));--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_active_started" CHECK (("subscriptions"."status" = 'active') = ("subscriptions"."started_at" is not null));
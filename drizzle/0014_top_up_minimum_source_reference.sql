-- Top-ups have no platform minimum by default (Credyt documents none; its own tutorial buys with a 1 USD top-up):
-- the least Stripe can charge in the platform's currency applies. 5 was the old default, which a platform that never
-- set its limits still holds; it cannot be told from a 5 set on purpose, and is taken as the default.
ALTER TABLE "platforms" ALTER COLUMN "top_up_minimum" SET DEFAULT '0';--> statement-breakpoint
UPDATE "platforms" SET "top_up_minimum" = 0 WHERE "top_up_minimum" = 5;
--> statement-breakpoint
-- A price may name the `data` field that says what each of its fees is for (Credyt's `source_reference_field`).
ALTER TABLE "prices" ADD COLUMN "source_reference_field" text;

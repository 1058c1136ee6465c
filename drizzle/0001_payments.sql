CREATE TABLE "auto_top_up_attempts" (
	"id" text PRIMARY KEY NOT NULL,
	"platform_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"asset_code" text NOT NULL,
	"status" text NOT NULL,
	"tries" integer DEFAULT 0 NOT NULL,
	"run_after" timestamp with time zone DEFAULT now() NOT NULL,
	"top_up_id" text,
	"error" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "auto_top_up_settings" (
	"customer_id" text NOT NULL,
	"asset_code" text NOT NULL,
	"platform_id" text NOT NULL,
	"enabled" boolean DEFAULT false NOT NULL,
	"threshold" numeric DEFAULT '0' NOT NULL,
	"amount" numeric DEFAULT '0' NOT NULL,
	"payment_method_id" text,
	"card" jsonb,
	"failures" integer DEFAULT 0 NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"last_error" jsonb,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "auto_top_up_settings_customer_id_asset_code_pk" PRIMARY KEY("customer_id","asset_code")
);
--> statement-breakpoint
CREATE TABLE "stripe_customers" (
	"customer_id" text PRIMARY KEY NOT NULL,
	"stripe_customer_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stripe_customers_stripeCustomerId_unique" UNIQUE("stripe_customer_id")
);
--> statement-breakpoint
CREATE TABLE "top_ups" (
	"id" text PRIMARY KEY NOT NULL,
	"platform_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"kind" text NOT NULL,
	"asset_code" text NOT NULL,
	"amount" numeric NOT NULL,
	"currency" text NOT NULL,
	"fiat_amount" numeric NOT NULL,
	"status" text NOT NULL,
	"description" text,
	"idempotency_key" text,
	"request_hash" text,
	"checkout_session_id" text,
	"checkout_url" text,
	"payment_intent_id" text,
	"receipt_url" text,
	"success_url" text,
	"cancel_url" text,
	"failure_code" text,
	"failure_message" text,
	"expires_at" timestamp with time zone,
	"credited_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "top_ups_checkoutSessionId_unique" UNIQUE("checkout_session_id"),
	CONSTRAINT "top_ups_paymentIntentId_unique" UNIQUE("payment_intent_id")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "auto_top_up_attempts_open_idx" ON "auto_top_up_attempts" USING btree ("customer_id","asset_code") WHERE "auto_top_up_attempts"."status" in ('queued', 'processing');--> statement-breakpoint
CREATE INDEX "auto_top_up_attempts_queue_idx" ON "auto_top_up_attempts" USING btree ("run_after") WHERE "auto_top_up_attempts"."status" = 'queued';--> statement-breakpoint
CREATE UNIQUE INDEX "top_ups_idempotency_idx" ON "top_ups" USING btree ("customer_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "top_ups_customer_id_created_at_index" ON "top_ups" USING btree ("customer_id","created_at" DESC NULLS LAST);
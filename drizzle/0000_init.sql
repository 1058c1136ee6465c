CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"platform_id" text NOT NULL,
	"key_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_keyHash_unique" UNIQUE("key_hash")
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"platform_id" text NOT NULL,
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"status" integer NOT NULL,
	"response" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_platform_id_scope_key_pk" PRIMARY KEY("platform_id","scope","key")
);
--> statement-breakpoint
CREATE TABLE "platforms" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"currency" text DEFAULT 'USD' NOT NULL,
	"portal_config" jsonb NOT NULL,
	"top_up_minimum" numeric DEFAULT '5' NOT NULL,
	"top_up_maximum" numeric DEFAULT '10000' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "assets" (
	"platform_id" text NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"precision" integer NOT NULL,
	"symbol" text,
	"label" text,
	"rates" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "assets_platform_id_code_pk" PRIMARY KEY("platform_id","code")
);
--> statement-breakpoint
CREATE TABLE "prices" (
	"id" text PRIMARY KEY NOT NULL,
	"platform_id" text NOT NULL,
	"product_id" text NOT NULL,
	"position" integer NOT NULL,
	"name" text NOT NULL,
	"event_type" text NOT NULL,
	"usage_type" text NOT NULL,
	"volume_field" text,
	"billable_dimensions" jsonb NOT NULL,
	"pricing" jsonb NOT NULL,
	"description" text
);
--> statement-breakpoint
CREATE TABLE "products" (
	"id" text PRIMARY KEY NOT NULL,
	"platform_id" text NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"publish" boolean NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "products_platformId_code_unique" UNIQUE("platform_id","code")
);
--> statement-breakpoint
CREATE TABLE "accounts" (
	"customer_id" text NOT NULL,
	"name" text NOT NULL,
	"asset_code" text NOT NULL,
	"platform_id" text NOT NULL,
	"balance" numeric DEFAULT '0' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "accounts_customer_id_name_asset_code_pk" PRIMARY KEY("customer_id","name","asset_code")
);
--> statement-breakpoint
CREATE TABLE "customers" (
	"id" text PRIMARY KEY NOT NULL,
	"platform_id" text NOT NULL,
	"name" text NOT NULL,
	"external_id" text NOT NULL,
	"email" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "customers_platformId_externalId_unique" UNIQUE("platform_id","external_id")
);
--> statement-breakpoint
CREATE TABLE "subscriptions" (
	"customer_id" text NOT NULL,
	"product_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "subscriptions_customer_id_product_id_pk" PRIMARY KEY("customer_id","product_id")
);
--> statement-breakpoint
CREATE TABLE "entries" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "entries_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"id" text NOT NULL,
	"platform_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"account_name" text NOT NULL,
	"asset_code" text NOT NULL,
	"category" text NOT NULL,
	"description" text NOT NULL,
	"amount" numeric NOT NULL,
	"balance_after" numeric NOT NULL,
	"fiat_amount" numeric,
	"fiat_currency" text,
	"occurred_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"source" text NOT NULL,
	"event_id" text,
	"product_code" text,
	"product_name" text,
	"price_name" text,
	"fee_description" text,
	"subject" text,
	"event_description" text,
	"receipt_url" text,
	"metadata" jsonb,
	CONSTRAINT "entries_id_unique" UNIQUE("id")
);
--> statement-breakpoint
CREATE TABLE "events" (
	"platform_id" text NOT NULL,
	"id" text NOT NULL,
	"customer_id" text NOT NULL,
	"event_type" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"subject" text,
	"description" text,
	"data" jsonb NOT NULL,
	"request_hash" text NOT NULL,
	"billed" text NOT NULL,
	"unbilled_reason" text,
	"fees" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "events_platform_id_id_pk" PRIMARY KEY("platform_id","id")
);
--> statement-breakpoint
CREATE TABLE "spend_rollup" (
	"customer_id" text NOT NULL,
	"asset_code" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"amount" numeric NOT NULL,
	"fiat_amount" numeric NOT NULL,
	CONSTRAINT "spend_rollup_customer_id_asset_code_hour_pk" PRIMARY KEY("customer_id","asset_code","hour")
);
--> statement-breakpoint
CREATE TABLE "portal_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"platform_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"link_token_hash" text NOT NULL,
	"link_expires_at" timestamp with time zone NOT NULL,
	"link_used_at" timestamp with time zone,
	"access_token_hash" text,
	"access_expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"return_url" text NOT NULL,
	"failure_url" text NOT NULL,
	"locale" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "portal_sessions_linkTokenHash_unique" UNIQUE("link_token_hash"),
	CONSTRAINT "portal_sessions_accessTokenHash_unique" UNIQUE("access_token_hash")
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assets" ADD CONSTRAINT "assets_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prices" ADD CONSTRAINT "prices_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products" ADD CONSTRAINT "products_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customers" ADD CONSTRAINT "customers_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_platform_id_index" ON "api_keys" USING btree ("platform_id");--> statement-breakpoint
CREATE INDEX "prices_platform_id_event_type_index" ON "prices" USING btree ("platform_id","event_type");--> statement-breakpoint
CREATE INDEX "prices_product_id_index" ON "prices" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "subscriptions_product_id_index" ON "subscriptions" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "entries_customer_created_idx" ON "entries" USING btree ("customer_id","created_at" DESC NULLS LAST,"seq" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "entries_customer_category_created_idx" ON "entries" USING btree ("customer_id","category","created_at" DESC NULLS LAST,"seq" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "entries_customer_asset_created_idx" ON "entries" USING btree ("customer_id","asset_code","created_at" DESC NULLS LAST,"seq" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "entries_customer_usage_idx" ON "entries" USING btree ("customer_id","occurred_at" DESC NULLS LAST,"seq" DESC NULLS LAST) WHERE "entries"."category" = 'usage';--> statement-breakpoint
CREATE INDEX "events_customer_id_created_at_index" ON "events" USING btree ("customer_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "portal_sessions_customer_id_index" ON "portal_sessions" USING btree ("customer_id");
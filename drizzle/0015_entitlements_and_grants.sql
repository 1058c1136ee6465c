CREATE TABLE "credit_grants" (
	"id" text NOT NULL,
	"platform_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"account_name" text NOT NULL,
	"asset_code" text NOT NULL,
	"amount" numeric(38, 18) NOT NULL,
	"purpose" text NOT NULL,
	"expires_at" timestamp with time zone,
	"source" text NOT NULL,
	"entry_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "credit_grants_platform_id_source_pk" PRIMARY KEY("platform_id","source"),
	CONSTRAINT "credit_grants_id_unique" UNIQUE("id"),
	CONSTRAINT "credit_grants_amount_positive" CHECK ("credit_grants"."amount" > 0),
	CONSTRAINT "credit_grants_purpose_known" CHECK ("credit_grants"."purpose" in ('paid', 'promotional'))
);
--> statement-breakpoint
ALTER TABLE "product_versions" ADD COLUMN "entitlements" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "credit_grants" ADD CONSTRAINT "credit_grants_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "credit_grants_customer_idx" ON "credit_grants" USING btree ("customer_id","asset_code","expires_at");
CREATE TABLE "product_versions" (
	"product_id" text NOT NULL,
	"version" integer NOT NULL,
	"name" text NOT NULL,
	"status" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "product_versions_product_id_version_pk" PRIMARY KEY("product_id","version")
);
--> statement-breakpoint
DROP INDEX "prices_product_id_index";--> statement-breakpoint
ALTER TABLE "prices" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "default_version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "subscription_id" text;--> statement-breakpoint
-- Before versions a customer had one set of products: one subscription each, named after the customer.
UPDATE "subscriptions" SET "subscription_id" = 'sub_' || substr(md5("customer_id"), 1, 20);--> statement-breakpoint
ALTER TABLE "subscriptions" ALTER COLUMN "subscription_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "product_versions" ADD CONSTRAINT "product_versions_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "prices_product_id_version_index" ON "prices" USING btree ("product_id","version");--> statement-breakpoint
-- Every product so far is its first version.
INSERT INTO "product_versions" ("product_id", "version", "name", "status", "created_at")
  SELECT "id", 1, "name", CASE WHEN "publish" THEN 'published' ELSE 'draft' END, "created_at" FROM "products";

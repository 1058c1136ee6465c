-- What a platform paid its vendors, per usage event (Credyt's event `costs`): vendor stats sum these.
CREATE TABLE "event_costs" (
	"platform_id" text NOT NULL,
	"event_id" text NOT NULL,
	"position" integer NOT NULL,
	"vendor_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"currency" text NOT NULL,
	"amount" numeric(38, 18) NOT NULL,
	"description" text,
	"occurred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "event_costs_platform_id_event_id_position_pk" PRIMARY KEY("platform_id","event_id","position"),
	CONSTRAINT "event_costs_amount_not_negative" CHECK ("event_costs"."amount" >= 0),
	CONSTRAINT "event_costs_currency_code" CHECK ("event_costs"."currency" ~ '^[A-Z]{3}$')
);
--> statement-breakpoint
ALTER TABLE "event_costs" ADD CONSTRAINT "event_costs_vendor_id_vendors_id_fk" FOREIGN KEY ("vendor_id") REFERENCES "public"."vendors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_costs" ADD CONSTRAINT "event_costs_event_fk" FOREIGN KEY ("platform_id","event_id") REFERENCES "public"."events"("platform_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "event_costs_vendor_id_currency_index" ON "event_costs" USING btree ("vendor_id","currency");
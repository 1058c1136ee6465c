ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "entries" ADD CONSTRAINT "entries_account_fk" FOREIGN KEY ("customer_id","account_name","asset_code") REFERENCES "public"."accounts"("customer_id","name","asset_code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_customer_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "portal_sessions" ADD CONSTRAINT "portal_sessions_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "auto_top_up_attempts" ADD CONSTRAINT "auto_top_up_attempts_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "auto_top_up_settings" ADD CONSTRAINT "auto_top_up_settings_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stripe_customers" ADD CONSTRAINT "stripe_customers_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "top_ups" ADD CONSTRAINT "top_ups_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_names_present" CHECK ("accounts"."name" <> '' and "accounts"."asset_code" <> '');--> statement-breakpoint
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_version_counts" CHECK ("accounts"."version" >= 0);--> statement-breakpoint
ALTER TABLE "entries" ADD CONSTRAINT "entries_category_known" CHECK ("entries"."category" in ('top_up', 'auto_top_up', 'usage', 'fee', 'refund', 'gift', 'adjustment'));--> statement-breakpoint
ALTER TABLE "entries" ADD CONSTRAINT "entries_amount_moves" CHECK ("entries"."category" = 'usage' or "entries"."amount" <> 0);--> statement-breakpoint
ALTER TABLE "entries" ADD CONSTRAINT "entries_usage_is_debit" CHECK ("entries"."category" <> 'usage' or ("entries"."amount" <= 0 and "entries"."event_id" is not null));--> statement-breakpoint
ALTER TABLE "entries" ADD CONSTRAINT "entries_auto_top_up_is_credit" CHECK ("entries"."category" <> 'auto_top_up' or "entries"."amount" > 0);--> statement-breakpoint
ALTER TABLE "entries" ADD CONSTRAINT "entries_fiat_same_sign" CHECK ("entries"."fiat_amount" is null or ("entries"."fiat_currency" is not null and "entries"."fiat_amount" * "entries"."amount" >= 0));--> statement-breakpoint
ALTER TABLE "entries" ADD CONSTRAINT "entries_fiat_currency_code" CHECK ("entries"."fiat_currency" is null or "entries"."fiat_currency" ~ '^[A-Z]{3}$');--> statement-breakpoint
ALTER TABLE "entries" ADD CONSTRAINT "entries_source_named" CHECK ("entries"."source" ~ '^[a-z_]+:.+$');--> statement-breakpoint
ALTER TABLE "entries" ADD CONSTRAINT "entries_event_is_source" CHECK ("entries"."event_id" is null or "entries"."source" = 'event:' || "entries"."event_id");--> statement-breakpoint
ALTER TABLE "entries" ADD CONSTRAINT "entries_ids_present" CHECK ("entries"."id" <> '' and "entries"."platform_id" <> '');--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_id_present" CHECK ("events"."id" <> '' and "events"."event_type" <> '');--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_billed_known" CHECK ("events"."billed" in ('billed', 'unbilled'));--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_json_shapes" CHECK (jsonb_typeof("events"."data") = 'object' and jsonb_typeof("events"."fees") = 'array');--> statement-breakpoint
ALTER TABLE "auto_top_up_attempts" ADD CONSTRAINT "auto_top_up_attempts_status_known" CHECK ("auto_top_up_attempts"."status" in ('queued', 'processing', 'succeeded', 'failed') and "auto_top_up_attempts"."tries" >= 0);--> statement-breakpoint
ALTER TABLE "auto_top_up_settings" ADD CONSTRAINT "auto_top_up_settings_amounts" CHECK ("auto_top_up_settings"."threshold" >= 0 and "auto_top_up_settings"."amount" >= 0 and "auto_top_up_settings"."failures" >= 0);--> statement-breakpoint
ALTER TABLE "top_ups" ADD CONSTRAINT "top_ups_amounts_positive" CHECK ("top_ups"."amount" > 0 and "top_ups"."fiat_amount" > 0);--> statement-breakpoint
ALTER TABLE "top_ups" ADD CONSTRAINT "top_ups_kind_known" CHECK ("top_ups"."kind" in ('manual', 'auto'));--> statement-breakpoint
ALTER TABLE "top_ups" ADD CONSTRAINT "top_ups_status_known" CHECK ("top_ups"."status" in ('initiated', 'pending', 'succeeded', 'failed', 'cancelled', 'expired'));
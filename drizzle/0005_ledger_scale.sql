ALTER TABLE "accounts" ALTER COLUMN "balance" SET DATA TYPE numeric(38, 18);--> statement-breakpoint
ALTER TABLE "accounts" ALTER COLUMN "balance" SET DEFAULT '0';--> statement-breakpoint
ALTER TABLE "entries" ALTER COLUMN "amount" SET DATA TYPE numeric(38, 18);--> statement-breakpoint
ALTER TABLE "entries" ALTER COLUMN "balance_after" SET DATA TYPE numeric(38, 18);--> statement-breakpoint
ALTER TABLE "entries" ALTER COLUMN "fiat_amount" SET DATA TYPE numeric(38, 18);--> statement-breakpoint
ALTER TABLE "spend_daily" ALTER COLUMN "amount" SET DATA TYPE numeric(48, 18);--> statement-breakpoint
ALTER TABLE "spend_daily" ALTER COLUMN "fiat_amount" SET DATA TYPE numeric(48, 18);--> statement-breakpoint
ALTER TABLE "spend_rollup" ALTER COLUMN "amount" SET DATA TYPE numeric(48, 18);--> statement-breakpoint
ALTER TABLE "spend_rollup" ALTER COLUMN "fiat_amount" SET DATA TYPE numeric(48, 18);--> statement-breakpoint
ALTER TABLE "auto_top_up_settings" ALTER COLUMN "threshold" SET DATA TYPE numeric(38, 18);--> statement-breakpoint
ALTER TABLE "auto_top_up_settings" ALTER COLUMN "threshold" SET DEFAULT '0';--> statement-breakpoint
ALTER TABLE "auto_top_up_settings" ALTER COLUMN "amount" SET DATA TYPE numeric(38, 18);--> statement-breakpoint
ALTER TABLE "auto_top_up_settings" ALTER COLUMN "amount" SET DEFAULT '0';--> statement-breakpoint
ALTER TABLE "top_ups" ALTER COLUMN "amount" SET DATA TYPE numeric(38, 18);--> statement-breakpoint
ALTER TABLE "top_ups" ALTER COLUMN "fiat_amount" SET DATA TYPE numeric(38, 18);
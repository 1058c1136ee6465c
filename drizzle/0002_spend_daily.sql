CREATE TABLE "spend_daily" (
	"customer_id" text NOT NULL,
	"asset_code" text NOT NULL,
	"day" date NOT NULL,
	"amount" numeric NOT NULL,
	"fiat_amount" numeric NOT NULL,
	CONSTRAINT "spend_daily_customer_id_asset_code_day_pk" PRIMARY KEY("customer_id","asset_code","day")
);

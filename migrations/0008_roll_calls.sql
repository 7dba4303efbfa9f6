CREATE TABLE "roll_calls" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "roll_calls_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"organization_id" integer NOT NULL,
	"client_id" uuid NOT NULL,
	"payload_hash" text NOT NULL,
	"device_id" integer,
	"recorded_by" integer,
	"kind" text NOT NULL,
	"device_captured_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"photo_key" text,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"faces" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "roll_calls" ADD CONSTRAINT "roll_calls_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "roll_calls" ADD CONSTRAINT "roll_calls_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "roll_calls" ADD CONSTRAINT "roll_calls_recorded_by_organization_members_id_fk" FOREIGN KEY ("recorded_by") REFERENCES "public"."organization_members"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "roll_calls_org_client_unique" ON "roll_calls" USING btree ("organization_id","client_id");--> statement-breakpoint
CREATE INDEX "roll_calls_org_received_idx" ON "roll_calls" USING btree ("organization_id","received_at");--> statement-breakpoint
ALTER TABLE "roll_calls" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "roll_calls" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "roll_calls" USING (organization_id = hadir_scope()) WITH CHECK (organization_id = hadir_scope());--> statement-breakpoint
CREATE POLICY "owner_access" ON "roll_calls" USING (current_user <> 'hadir_tenant') WITH CHECK (current_user <> 'hadir_tenant');

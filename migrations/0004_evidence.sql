CREATE TABLE "liveness_challenges" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" integer NOT NULL,
	"purpose" text NOT NULL,
	"steps" text[] NOT NULL,
	"organization_member_id" integer,
	"device_id" integer,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"used_by" text
);
--> statement-breakpoint
ALTER TABLE "attendance_events" ADD COLUMN "origin" text DEFAULT 'phone' NOT NULL;--> statement-breakpoint
ALTER TABLE "attendance_events" ADD COLUMN "evidence" jsonb;--> statement-breakpoint
ALTER TABLE "attendance_events" ADD COLUMN "verification" text DEFAULT 'done' NOT NULL;--> statement-breakpoint
ALTER TABLE "attendance_events" ADD COLUMN "assurance" jsonb;--> statement-breakpoint
ALTER TABLE "attendance_events" ADD COLUMN "claims" jsonb;--> statement-breakpoint
ALTER TABLE "attendance_records" ADD COLUMN "assurance_level" text;--> statement-breakpoint
ALTER TABLE "liveness_challenges" ADD CONSTRAINT "liveness_challenges_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "liveness_challenges" ADD CONSTRAINT "liveness_challenges_organization_member_id_organization_members_id_fk" FOREIGN KEY ("organization_member_id") REFERENCES "public"."organization_members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "liveness_challenges" ADD CONSTRAINT "liveness_challenges_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "liveness_challenges_org_idx" ON "liveness_challenges" USING btree ("organization_id","expires_at");--> statement-breakpoint
CREATE INDEX "attendance_events_verifying_idx" ON "attendance_events" USING btree ("verification") WHERE verification = 'verifying';--> statement-breakpoint
CREATE INDEX "attendance_events_member_idx" ON "attendance_events" USING btree ("organization_id","organization_member_id","captured_at");--> statement-breakpoint
ALTER TABLE "liveness_challenges" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "liveness_challenges" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "liveness_challenges" USING (organization_id = hadir_scope()) WITH CHECK (organization_id = hadir_scope());--> statement-breakpoint
CREATE POLICY "owner_access" ON "liveness_challenges" USING (current_user <> 'hadir_tenant') WITH CHECK (current_user <> 'hadir_tenant');

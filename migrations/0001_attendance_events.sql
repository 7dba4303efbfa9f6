CREATE TABLE "attendance_events" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "attendance_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"organization_id" integer NOT NULL,
	"client_id" uuid NOT NULL,
	"attendance_record_id" integer,
	"organization_member_id" integer NOT NULL,
	"kind" text NOT NULL,
	"payload_hash" text NOT NULL,
	"recorded_by" integer,
	"device_id" integer,
	"mobile_device_id" text,
	"device_captured_at" timestamp with time zone NOT NULL,
	"captured_at" timestamp with time zone NOT NULL,
	"clock_skew_ms" integer DEFAULT 0 NOT NULL,
	"face_distance" real,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "attendance_records_member_date_idx";--> statement-breakpoint
ALTER TABLE "attendance_events" ADD CONSTRAINT "attendance_events_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attendance_events" ADD CONSTRAINT "attendance_events_attendance_record_id_attendance_records_id_fk" FOREIGN KEY ("attendance_record_id") REFERENCES "public"."attendance_records"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attendance_events" ADD CONSTRAINT "attendance_events_organization_member_id_organization_members_id_fk" FOREIGN KEY ("organization_member_id") REFERENCES "public"."organization_members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attendance_events" ADD CONSTRAINT "attendance_events_recorded_by_organization_members_id_fk" FOREIGN KEY ("recorded_by") REFERENCES "public"."organization_members"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attendance_events" ADD CONSTRAINT "attendance_events_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "attendance_events_org_client_unique" ON "attendance_events" USING btree ("organization_id","client_id");--> statement-breakpoint
CREATE INDEX "attendance_events_record_idx" ON "attendance_events" USING btree ("attendance_record_id");--> statement-breakpoint
CREATE UNIQUE INDEX "attendance_records_member_day_unique" ON "attendance_records" USING btree ("organization_id","organization_member_id","attendance_date");
CREATE TABLE "shift_assignments" (
	"organization_id" integer NOT NULL,
	"organization_member_id" integer NOT NULL,
	"date" date NOT NULL,
	"shift_type_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "shift_assignments_organization_member_id_date_pk" PRIMARY KEY("organization_member_id","date")
);
--> statement-breakpoint
CREATE TABLE "shift_types" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "shift_types_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"organization_id" integer NOT NULL,
	"name" text NOT NULL,
	"code" text NOT NULL,
	"start_time" time NOT NULL,
	"end_time" time NOT NULL,
	"late_tolerance_minutes" integer DEFAULT 15 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "shift_types_not_zero" CHECK ("shift_types"."end_time" <> "shift_types"."start_time")
);
--> statement-breakpoint
ALTER TABLE "shift_assignments" ADD CONSTRAINT "shift_assignments_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shift_assignments" ADD CONSTRAINT "shift_assignments_organization_member_id_organization_members_id_fk" FOREIGN KEY ("organization_member_id") REFERENCES "public"."organization_members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shift_assignments" ADD CONSTRAINT "shift_assignments_shift_type_id_shift_types_id_fk" FOREIGN KEY ("shift_type_id") REFERENCES "public"."shift_types"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shift_types" ADD CONSTRAINT "shift_types_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "shift_assignments_org_date_idx" ON "shift_assignments" USING btree ("organization_id","date");--> statement-breakpoint
CREATE INDEX "shift_assignments_type_idx" ON "shift_assignments" USING btree ("shift_type_id");--> statement-breakpoint
CREATE INDEX "shift_types_organization_idx" ON "shift_types" USING btree ("organization_id");--> statement-breakpoint
ALTER TABLE "shift_types" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "shift_types" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "shift_types" USING (organization_id = hadir_scope()) WITH CHECK (organization_id = hadir_scope());--> statement-breakpoint
CREATE POLICY "owner_access" ON "shift_types" USING (current_user <> 'hadir_tenant') WITH CHECK (current_user <> 'hadir_tenant');--> statement-breakpoint
ALTER TABLE "shift_assignments" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "shift_assignments" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "shift_assignments" USING (organization_id = hadir_scope()) WITH CHECK (organization_id = hadir_scope());--> statement-breakpoint
CREATE POLICY "owner_access" ON "shift_assignments" USING (current_user <> 'hadir_tenant') WITH CHECK (current_user <> 'hadir_tenant');
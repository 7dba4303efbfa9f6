CREATE TABLE "membership_invitations" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "membership_invitations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"organization_id" integer NOT NULL,
	"user_id" integer NOT NULL,
	"kind" text NOT NULL,
	"role_id" integer NOT NULL,
	"name" text NOT NULL,
	"email" text NOT NULL,
	"member_number" text,
	"department_id" integer,
	"position_id" integer,
	"status" text DEFAULT 'pending' NOT NULL,
	"organization_member_id" integer,
	"created_by" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"responded_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "organization_members" ADD COLUMN "last_sign_in_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "organization_members" ADD COLUMN "manages_account" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "membership_invitations" ADD CONSTRAINT "membership_invitations_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "membership_invitations" ADD CONSTRAINT "membership_invitations_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "membership_invitations" ADD CONSTRAINT "membership_invitations_role_id_roles_id_fk" FOREIGN KEY ("role_id") REFERENCES "public"."roles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "membership_invitations" ADD CONSTRAINT "membership_invitations_department_id_departments_id_fk" FOREIGN KEY ("department_id") REFERENCES "public"."departments"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "membership_invitations" ADD CONSTRAINT "membership_invitations_position_id_positions_id_fk" FOREIGN KEY ("position_id") REFERENCES "public"."positions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "membership_invitations" ADD CONSTRAINT "membership_invitations_organization_member_id_organization_members_id_fk" FOREIGN KEY ("organization_member_id") REFERENCES "public"."organization_members"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "membership_invitations" ADD CONSTRAINT "membership_invitations_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "membership_invitations_pending_unique" ON "membership_invitations" USING btree ("organization_id","user_id","kind") WHERE "membership_invitations"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "membership_invitations_user_idx" ON "membership_invitations" USING btree ("user_id");--> statement-breakpoint
-- Accounts attached to a second organization before invitations existed: only the organization that had the person
-- first (the one that made the account) keeps editing their name, email and phone.
UPDATE "organization_members" m SET "manages_account" = false
WHERE EXISTS (SELECT 1 FROM "organization_members" o WHERE o."user_id" = m."user_id" AND o."id" < m."id");--> statement-breakpoint
-- The last sign-in per organization starts from the account-wide one only where the account has one organization.
UPDATE "organization_members" m SET "last_sign_in_at" = u."last_login_at" FROM "users" u
WHERE u."id" = m."user_id" AND NOT EXISTS (SELECT 1 FROM "organization_members" o WHERE o."user_id" = m."user_id" AND o."id" <> m."id");--> statement-breakpoint
ALTER TABLE "membership_invitations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "membership_invitations" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "membership_invitations" USING (organization_id = hadir_scope()) WITH CHECK (organization_id = hadir_scope());--> statement-breakpoint
CREATE POLICY "owner_access" ON "membership_invitations" USING (current_user <> 'hadir_tenant') WITH CHECK (current_user <> 'hadir_tenant');

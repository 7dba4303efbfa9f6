-- Row-level security: the second wall behind the application's own organization scoping.
-- Queries that run as the role hadir_tenant (server/db/tenant.ts: SET LOCAL ROLE + set_config('app.org_id', ..., true)
-- inside a transaction) see and write only the rows of that organization; without app.org_id they see nothing.
-- The role is created when the connecting user may create roles; otherwise the wall is skipped with a notice (the app
-- checks for the role at start and says so in its log).
DO $$
BEGIN
  BEGIN
    CREATE ROLE hadir_tenant NOLOGIN;
  EXCEPTION
    WHEN duplicate_object THEN NULL;
    WHEN unique_violation THEN NULL;
    WHEN insufficient_privilege THEN RAISE NOTICE 'hadir: cannot create role hadir_tenant; row-level security stays off';
  END;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hadir_tenant') THEN
    BEGIN
      EXECUTE format('GRANT hadir_tenant TO %I', current_user);
    EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'hadir: cannot grant hadir_tenant to %: %', current_user, SQLERRM;
    END;
    GRANT USAGE ON SCHEMA public TO hadir_tenant;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO hadir_tenant;
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO hadir_tenant;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO hadir_tenant;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO hadir_tenant;
  END IF;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION hadir_scope() RETURNS integer LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('app.org_id', true), '')::integer $$;
--> statement-breakpoint
ALTER TABLE "attendance_records" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "attendance_records" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "attendance_records" USING (organization_id = hadir_scope()) WITH CHECK (organization_id = hadir_scope());--> statement-breakpoint
ALTER TABLE "attendance_events" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "attendance_events" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "attendance_events" USING (organization_id = hadir_scope()) WITH CHECK (organization_id = hadir_scope());--> statement-breakpoint
ALTER TABLE "attendance_sync_logs" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "attendance_sync_logs" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "attendance_sync_logs" USING (organization_id = hadir_scope()) WITH CHECK (organization_id = hadir_scope());--> statement-breakpoint
ALTER TABLE "attendance_record_history" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "attendance_record_history" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "attendance_record_history" USING (organization_id = hadir_scope()) WITH CHECK (organization_id = hadir_scope());--> statement-breakpoint
ALTER TABLE "leave_requests" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "leave_requests" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "leave_requests" USING (organization_id = hadir_scope()) WITH CHECK (organization_id = hadir_scope());--> statement-breakpoint
ALTER TABLE "import_jobs" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "import_jobs" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "import_jobs" USING (organization_id = hadir_scope()) WITH CHECK (organization_id = hadir_scope());--> statement-breakpoint
ALTER TABLE "devices" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "devices" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "devices" USING (organization_id = hadir_scope()) WITH CHECK (organization_id = hadir_scope());--> statement-breakpoint
ALTER TABLE "member_face_data" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "member_face_data" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "member_face_data" USING (organization_id = hadir_scope()) WITH CHECK (organization_id = hadir_scope());--> statement-breakpoint
ALTER TABLE "consents" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "consents" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "consents" USING (organization_id = hadir_scope()) WITH CHECK (organization_id = hadir_scope());--> statement-breakpoint
ALTER TABLE "work_schedules" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "work_schedules" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "work_schedules" USING (organization_id = hadir_scope()) WITH CHECK (organization_id = hadir_scope());--> statement-breakpoint
ALTER TABLE "departments" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "departments" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "departments" USING (organization_id = hadir_scope()) WITH CHECK (organization_id = hadir_scope());--> statement-breakpoint
ALTER TABLE "positions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "positions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "positions" USING (organization_id = hadir_scope()) WITH CHECK (organization_id = hadir_scope());--> statement-breakpoint
ALTER TABLE "locations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "locations" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "locations" USING (organization_id = hadir_scope()) WITH CHECK (organization_id = hadir_scope());--> statement-breakpoint
ALTER TABLE "organization_members" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "organization_members" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "organization_members" USING (organization_id = hadir_scope()) WITH CHECK (organization_id = hadir_scope());--> statement-breakpoint
ALTER TABLE "member_roles" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "member_roles" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "member_roles" USING (organization_id = hadir_scope()) WITH CHECK (organization_id = hadir_scope());--> statement-breakpoint
ALTER TABLE "invitations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "invitations" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "invitations" USING (organization_id = hadir_scope()) WITH CHECK (organization_id = hadir_scope());--> statement-breakpoint
-- FORCE applies policies to the owner too: every role except hadir_tenant keeps the application's own scoping.
CREATE POLICY "owner_access" ON "attendance_records" USING (current_user <> 'hadir_tenant') WITH CHECK (current_user <> 'hadir_tenant');--> statement-breakpoint
CREATE POLICY "owner_access" ON "attendance_events" USING (current_user <> 'hadir_tenant') WITH CHECK (current_user <> 'hadir_tenant');--> statement-breakpoint
CREATE POLICY "owner_access" ON "attendance_sync_logs" USING (current_user <> 'hadir_tenant') WITH CHECK (current_user <> 'hadir_tenant');--> statement-breakpoint
CREATE POLICY "owner_access" ON "attendance_record_history" USING (current_user <> 'hadir_tenant') WITH CHECK (current_user <> 'hadir_tenant');--> statement-breakpoint
CREATE POLICY "owner_access" ON "leave_requests" USING (current_user <> 'hadir_tenant') WITH CHECK (current_user <> 'hadir_tenant');--> statement-breakpoint
CREATE POLICY "owner_access" ON "import_jobs" USING (current_user <> 'hadir_tenant') WITH CHECK (current_user <> 'hadir_tenant');--> statement-breakpoint
CREATE POLICY "owner_access" ON "devices" USING (current_user <> 'hadir_tenant') WITH CHECK (current_user <> 'hadir_tenant');--> statement-breakpoint
CREATE POLICY "owner_access" ON "member_face_data" USING (current_user <> 'hadir_tenant') WITH CHECK (current_user <> 'hadir_tenant');--> statement-breakpoint
CREATE POLICY "owner_access" ON "consents" USING (current_user <> 'hadir_tenant') WITH CHECK (current_user <> 'hadir_tenant');--> statement-breakpoint
CREATE POLICY "owner_access" ON "work_schedules" USING (current_user <> 'hadir_tenant') WITH CHECK (current_user <> 'hadir_tenant');--> statement-breakpoint
CREATE POLICY "owner_access" ON "departments" USING (current_user <> 'hadir_tenant') WITH CHECK (current_user <> 'hadir_tenant');--> statement-breakpoint
CREATE POLICY "owner_access" ON "positions" USING (current_user <> 'hadir_tenant') WITH CHECK (current_user <> 'hadir_tenant');--> statement-breakpoint
CREATE POLICY "owner_access" ON "locations" USING (current_user <> 'hadir_tenant') WITH CHECK (current_user <> 'hadir_tenant');--> statement-breakpoint
CREATE POLICY "owner_access" ON "organization_members" USING (current_user <> 'hadir_tenant') WITH CHECK (current_user <> 'hadir_tenant');--> statement-breakpoint
CREATE POLICY "owner_access" ON "member_roles" USING (current_user <> 'hadir_tenant') WITH CHECK (current_user <> 'hadir_tenant');--> statement-breakpoint
CREATE POLICY "owner_access" ON "invitations" USING (current_user <> 'hadir_tenant') WITH CHECK (current_user <> 'hadir_tenant');--> statement-breakpoint
ALTER TABLE "organizations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "organizations" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "organizations" USING (id = hadir_scope()) WITH CHECK (id = hadir_scope());--> statement-breakpoint
CREATE POLICY "owner_access" ON "organizations" USING (current_user <> 'hadir_tenant') WITH CHECK (current_user <> 'hadir_tenant');--> statement-breakpoint
ALTER TABLE "audit_log" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "audit_log" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "audit_log" USING (organization_id = hadir_scope()) WITH CHECK (organization_id = hadir_scope());--> statement-breakpoint
CREATE POLICY "owner_access" ON "audit_log" USING (current_user <> 'hadir_tenant') WITH CHECK (current_user <> 'hadir_tenant');--> statement-breakpoint
ALTER TABLE "sessions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "sessions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "sessions" USING (organization_id = hadir_scope()) WITH CHECK (organization_id = hadir_scope());--> statement-breakpoint
CREATE POLICY "owner_access" ON "sessions" USING (current_user <> 'hadir_tenant') WITH CHECK (current_user <> 'hadir_tenant');--> statement-breakpoint
-- System roles (no organization) are shared and read-only under the tenant role; custom roles are the organization's.
ALTER TABLE "roles" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "roles" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "roles" USING (organization_id IS NULL OR organization_id = hadir_scope()) WITH CHECK (organization_id = hadir_scope());--> statement-breakpoint
CREATE POLICY "owner_access" ON "roles" USING (current_user <> 'hadir_tenant') WITH CHECK (current_user <> 'hadir_tenant');

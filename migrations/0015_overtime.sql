ALTER TABLE "attendance_records" ADD COLUMN "overtime_decision" text;--> statement-breakpoint
ALTER TABLE "attendance_records" ADD COLUMN "overtime_minutes" integer;
-- Issue 14: the face recognition model changes (face-api's 128-d descriptor -> the 512-d ArcFace-style model). Every
-- stored template says which model made it; the ones that exist now are face-api's. They are never matched against
-- the new model's descriptors: server/face/migrate.ts re-derives them from each member's stored registration photo,
-- or removes them so the member registers again.
ALTER TABLE "member_face_data" ADD COLUMN "model" text NOT NULL DEFAULT 'faceapi-128';--> statement-breakpoint
ALTER TABLE "member_face_data" ALTER COLUMN "model" DROP DEFAULT;--> statement-breakpoint
-- The thresholds organizations set were distances of the old model: they mean nothing for the new one, so every
-- organization goes back to the new model's defaults (the settings page shows them).
UPDATE "organizations" SET "settings" = "settings" - 'face_threshold' - 'face_margin'
WHERE "settings" ? 'face_threshold' OR "settings" ? 'face_margin';

import type { AppDeps } from '../context'
import { registerVerifyCapture } from '../features/attendance/attendance.verify'
import { registerFaceTemplateMigration } from '../face/migrate'
import { registerNotificationDelivery } from '../features/notifications/deliver.job'
import { registerPhotoDeletes } from '../storage/deletes'
import { registerWebhookDelivery } from '../features/webhooks/webhooks.deliver'

/**
 * Every background job handler of the app, registered at start by the server (server/bootstrap.ts) and by every test
 * app (tools/test-support/harness.ts). A feature keeps its handler next to its service and adds one line here:
 *
 *   // server/features/attendance/verify-capture.job.ts
 *   export const VERIFY_CAPTURE = 'verify-capture'
 *   export async function registerVerifyCapture(deps: AppDeps) {
 *     await deps.jobs.work<{ eventId: number }>(VERIFY_CAPTURE, (data, job) => verifyCapture(deps, data, job))
 *   }
 *
 * and sends with `deps.jobs.send(VERIFY_CAPTURE, { eventId }, { singletonKey: String(eventId) })`. Handlers run at
 * least once (a retry after a crash repeats work that was done): make them idempotent.
 */
const registrations: Array<(deps: AppDeps) => Promise<void>> = [
  // The server's own check of every capture's evidence (issue 13).
  registerVerifyCapture,
  // Stored face templates of an earlier recognition model, moved to the current one (issue 14).
  registerFaceTemplateMigration,
  // Photo deletes the store could not take at once (the store down): retried until it does (issue 20).
  registerPhotoDeletes,
  // Push and email notifications to people (issue 19, item 4).
  registerNotificationDelivery,
  // Webhook deliveries from the outbox (issue 19).
  registerWebhookDelivery,
]

export async function registerJobs(deps: AppDeps): Promise<void> {
  for (const register of registrations) await register(deps)
}

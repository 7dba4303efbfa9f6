import { auditLog } from './db/schema'
import type { Tx } from './db/client'

export interface AuditEntry {
  organizationId: number | null
  actorUserId?: number | null
  actorDeviceId?: number | null
  action: string
  entityType?: string
  entityId?: string | number
  details?: Record<string, unknown>
  ip?: string | null
}

/** Appends to the audit log inside the caller's transaction, so the entry exists exactly when the change does. */
export async function audit(tx: Tx, entry: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values({
    organizationId: entry.organizationId,
    actorUserId: entry.actorUserId ?? null,
    actorDeviceId: entry.actorDeviceId ?? null,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId === undefined ? undefined : String(entry.entityId),
    details: entry.details,
    ip: entry.ip ?? null,
  })
}

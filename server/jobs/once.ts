import { eq, sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { scheduledRuns } from '../db/schema'

const at = (d: Date) => sql`${d.toISOString()}::timestamptz`

/**
 * Runs `work` unless some instance (this one or another on the same database) started the run called `name` less than
 * `everyMs` ago. The claim is one statement on the run's row (scheduled_runs): of instances claiming at once, exactly
 * one moves started_at forward and runs; the others find it recent and skip. A failed run gives its claim back, so the
 * next tick of any instance tries again. Works the same on PGlite (one process).
 */
export async function runOnceAcrossInstances<T>(db: Db, name: string, everyMs: number, work: () => Promise<T>, now = new Date()): Promise<{ ran: true; result: T } | { ran: false }> {
  const [claimed] = await db
    .insert(scheduledRuns)
    .values({ name, startedAt: now })
    .onConflictDoUpdate({
      target: scheduledRuns.name,
      set: { startedAt: now, finishedAt: null },
      setWhere: sql`${scheduledRuns.startedAt} <= ${at(new Date(now.getTime() - everyMs))}`,
    })
    .returning({ name: scheduledRuns.name })
  if (!claimed) return { ran: false }
  try {
    const result = await work()
    await db.update(scheduledRuns).set({ finishedAt: new Date() }).where(eq(scheduledRuns.name, name))
    return { ran: true, result }
  } catch (err) {
    await db
      .update(scheduledRuns)
      .set({ startedAt: new Date(0) })
      .where(eq(scheduledRuns.name, name))
      .catch(() => {})
    throw err
  }
}

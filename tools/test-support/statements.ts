// The statements an app's database client sends, recorded at the driver (tests that count round trips or look for one
// path's statement).
import { expect } from 'vitest'
import type { Agent, TestApp } from './harness'
import { sync } from './evidence-flow'

type Method = (...args: unknown[]) => unknown

/**
 * Records every statement the app's database client sends until `stop` (its text with spaces folded, and as sent with
 * its parameters): postgres-js (`unsafe`, and `begin` with the statements of its transaction) or PGlite (`query`,
 * `exec`, `transaction`).
 */
export function statementsOf(t: TestApp): { texts: string[]; calls: { text: string; params: unknown[] }[]; stop: () => void } {
  const client = (t.db as unknown as { $client: Record<string, Method> }).$client
  const texts: string[] = []
  /** Each statement as sent: its text and its parameters. */
  const calls: { text: string; params: unknown[] }[] = []
  const restore: (() => void)[] = []
  const wrap = (target: Record<string, Method>, method: string, record: boolean) => {
    const original = target[method]
    if (typeof original !== 'function') return
    const own = Object.prototype.hasOwnProperty.call(target, method)
    target[method] = function (this: unknown, ...args: unknown[]) {
      if (record) {
        texts.push(String(args[0]).replace(/\s+/g, ' ').trim())
        calls.push({ text: String(args[0]), params: Array.isArray(args[1]) ? (args[1] as unknown[]) : [] })
      }
      const last = args.at(-1)
      // A transaction: its own statements are counted too.
      if (!record && typeof last === 'function') {
        texts.push('begin … commit')
        args[args.length - 1] = (tx: Record<string, Method>) => {
          for (const m of ['unsafe', 'query', 'exec']) wrap(tx, m, true)
          return (last as Method)(tx)
        }
      }
      return original.apply(this, args)
    }
    restore.push(() => {
      if (own) target[method] = original
      else delete target[method]
    })
  }
  for (const m of ['unsafe', 'query', 'exec']) wrap(client, m, true)
  for (const m of ['begin', 'transaction']) wrap(client, m, false)
  return { texts, calls, stop: () => restore.forEach((r) => r()) }
}

/** Sends `records` through the sync route as `agent`, expects every one applied, and answers the statements it cost. */
export async function statementsOfSync(t: TestApp, agent: Agent, records: unknown[]): Promise<ReturnType<typeof statementsOf>> {
  const sent = statementsOf(t)
  try {
    const results = await sync(agent, records)
    expect(results.map((r: { status: string }) => r.status)).toEqual(records.map(() => 'applied'))
  } finally {
    sent.stop()
  }
  return sent
}

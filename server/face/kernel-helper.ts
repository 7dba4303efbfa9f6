// The 1:N index's helper thread in Node (shared/face/match-kernel.ts KernelHelper): a worker thread that runs the
// first-pass kernel of the back half of a large index's shards while the calling thread runs the front half, so one
// query's pass over the int8 codes uses both cores. The shards live in shared WebAssembly memories: the worker
// instantiates the same kernel module on the same memory, so what it writes is what the calling thread would have
// written (the answer does not depend on who ran it: server/face/kernel-helper.unit.test.ts).
//
// Hand-over through one small SharedArrayBuffer, no message per query:
//   seq: bumped by every request (the worker waits on it);  state: REQUESTED, RUNNING, DONE, TAKEN, HANDED_BACK;
//   count and the shard ids; k, beta, gamma.
// The caller writes the request, sets REQUESTED, bumps seq and notifies. The worker claims it (REQUESTED -> RUNNING),
// runs the shards, sets DONE (or HANDED_BACK if it could not). When the caller needs the result it claims the request
// itself if the worker has not (REQUESTED -> TAKEN) or handed it back, and runs the shards here; otherwise it waits for
// DONE. A worker that is slow to wake, busy or gone therefore costs at most the time the calling thread would have
// spent alone. Shards are announced to the worker by message as they are made (it reads pending messages before each
// request) and dropped when the index is collected.
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads'
import type { DotShard, KernelHelper } from '../../shared/face/match-kernel'

const SEQ = 0
const STATE = 1
const COUNT = 2
const IDS = 16 // Int32 index of the shard ids
const MAX_SHARDS = 32 // 32 shards of 128 MiB: an index of 4 GiB, far past one process's galleries
const PARAMS = (IDS + MAX_SHARDS) * 4 // byte offset of k, beta, gamma
const REQUESTED = 1
const RUNNING = 2
const DONE = 3
const TAKEN = 4
const HANDED_BACK = 5

// The worker: plain JavaScript run with eval (no file to build or resolve, in the built server and under tsx alike).
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads')
const { port, control } = workerData
const ctrl = new Int32Array(control)
const params = new Float64Array(control, ${PARAMS}, 3)
const shards = new Map()
function handle(m) {
  if (m.type === 'adopt') {
    const { exports } = new WebAssembly.Instance(m.module, { env: { memory: m.memory } })
    shards.set(m.id, { dots: exports.dots, rows: m.rows, stride: m.stride, at: m.at, memory: m.memory })
  } else if (m.type === 'drop') shards.delete(m.id)
}
port.on('message', handle)
let seen = 0 // requests made before this thread started are looked at at once
async function serve() {
  for (;;) {
    const waited = Atomics.waitAsync(ctrl, ${SEQ}, seen)
    if (waited.async) await waited.value
    seen = Atomics.load(ctrl, ${SEQ})
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) handle(m.message)
    // Claim the request first, then read it: what is read after the claim is the request claimed.
    if (Atomics.compareExchange(ctrl, ${STATE}, ${REQUESTED}, ${RUNNING}) !== ${REQUESTED}) continue
    const count = Atomics.load(ctrl, ${COUNT})
    const todo = []
    for (let i = 0; i < count; i++) todo.push(shards.get(Atomics.load(ctrl, ${IDS} + i)))
    if (todo.some((s) => s === undefined)) {
      // Not announced to this thread (cannot happen: announcements are sent first): hand it back to the caller.
      Atomics.store(ctrl, ${STATE}, ${HANDED_BACK})
      Atomics.notify(ctrl, ${STATE})
      continue
    }
    const k = params[0], beta = params[1], gamma = params[2]
    let done = false
    try {
      for (const s of todo) s.dots(s.at.codes, s.rows, s.stride, s.at.probe, s.at.out, s.at.consts, s.at.lower, k, beta, gamma)
      done = true
    } finally {
      // A failure here hands the request back: the caller runs it (and meets the same failure in its own thread).
      Atomics.store(ctrl, ${STATE}, done ? ${DONE} : ${HANDED_BACK})
      Atomics.notify(ctrl, ${STATE})
    }
  }
}
serve()
`

/** For tests, which must see each path taken whatever the machine's timing; production uses the defaults. */
export interface KernelHelperOptions {
  /** false: the calling thread waits for the worker to claim every request instead of taking it back. */
  takeOver?: boolean
  /** false: shards are never announced, so the worker hands every request back to the calling thread. */
  announce?: boolean
}

export interface NodeKernelHelper extends KernelHelper {
  /** Requests the worker claimed and ran, and requests this thread took back (tests and the bench report them). */
  readonly stats: { ran: number; taken: number }
  /** Ends the worker (the index keeps working on one thread once the helper is no longer installed). */
  close: () => Promise<void>
}

/**
 * The helper thread, started when the first shard is announced to it (an index of HELPED_MIN_ROWS rows or more): an
 * installation with small galleries never starts it. The worker does not keep the process alive.
 */
export function startKernelHelper(options: KernelHelperOptions = {}): NodeKernelHelper {
  const takeOver = options.takeOver ?? true
  const announce = options.announce ?? true
  const control = new SharedArrayBuffer(PARAMS + 3 * 8)
  const ctrl = new Int32Array(control)
  const params = new Float64Array(control, PARAMS, 3)
  let worker: Worker | null = null
  let port: MessagePort | null = null
  let alive = true
  const ensure = (): MessagePort => {
    if (port) return port
    const { port1, port2 } = new MessageChannel()
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { port: port2, control }, transferList: [port2] })
    worker.unref()
    port1.unref()
    worker.once('exit', () => (alive = false))
    worker.once('error', () => (alive = false))
    return (port = port1)
  }
  const ids = new WeakMap<DotShard, number>()
  let nextId = 1
  const dropped = new FinalizationRegistry<number>((id) => {
    if (alive && port) port.postMessage({ type: 'drop', id })
  })
  const stats = { ran: 0, taken: 0 }

  const runHere = (shards: readonly DotShard[], k: number, beta: number, gamma: number) => {
    for (const shard of shards) shard.run(k, beta, gamma)
  }

  return {
    stats,
    adopt(shard) {
      const shared = shard.shared
      if (!shared || !alive) return
      const id = nextId++
      ids.set(shard, id)
      const to = ensure()
      if (announce) to.postMessage({ type: 'adopt', id, module: shared.module, memory: shared.memory, rows: shard.rows, stride: shard.stride, at: shared.at })
      dropped.register(shard, id)
    },
    start(shards, k, beta, gamma) {
      const known = shards.map((shard) => ids.get(shard))
      if (!alive || shards.length > MAX_SHARDS || known.includes(undefined)) return () => runHere(shards, k, beta, gamma)
      params[0] = k
      params[1] = beta
      params[2] = gamma
      Atomics.store(ctrl, COUNT, shards.length)
      known.forEach((id, i) => Atomics.store(ctrl, IDS + i, id!))
      Atomics.store(ctrl, STATE, REQUESTED)
      Atomics.add(ctrl, SEQ, 1)
      Atomics.notify(ctrl, SEQ)
      return () => {
        let unclaimed = 0
        for (;;) {
          const state = Atomics.load(ctrl, STATE)
          if (state === DONE) {
            stats.ran++
            return
          }
          // Not claimed: take it back (unless a test asked to wait for the worker). Claimed: the worker finishes what it
          // began (a kernel pass always ends) or, if it fails, hands the request back (its finally). Handed back: run
          // it here. The worker is ended only by close(), on this thread, never during this wait. The timeout only
          // makes this look again.
          const wait = state === RUNNING || (state === REQUESTED && !takeOver)
          if (!wait) {
            if (Atomics.compareExchange(ctrl, STATE, state, TAKEN) !== state) continue
            stats.taken++
            return runHere(shards, k, beta, gamma)
          }
          // Against a hang in the tests' waiting mode only (no test timer can fire while this thread waits): ten
          // minutes unclaimed, as the suite's own limits, never a speed measure.
          if (state === REQUESTED && ++unclaimed > 6000) throw new Error('the helper thread never claimed a request')
          Atomics.wait(ctrl, STATE, state, 100)
        }
      }
    },
    async close() {
      alive = false
      port?.close()
      await worker?.terminate()
    },
  }
}

// The real server process (`server/index.ts`, as `npm start` runs it, minus the build) for API tests that need one:
// a restart, a backup asked of a running installation.
import { spawn, type ChildProcess } from 'node:child_process'
import net from 'node:net'

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo
      s.close(() => resolve(port))
    })
  })
}

export interface RunningServer { url: string; proc: ChildProcess; log: () => string; stop: () => Promise<void> }

export async function startServer(env: NodeJS.ProcessEnv): Promise<RunningServer> {
  const port = await freePort()
  const proc = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], { env: { ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  proc.stdout!.on('data', (d) => (log += d))
  proc.stderr!.on('data', (d) => (log += d))
  const url = `http://127.0.0.1:${port}`
  // Waits as long as the process lives (a loaded machine starts it slowly; the test's own timeout is the limit).
  for (;;) {
    try {
      if ((await fetch(`${url}/api/health`)).ok) break
    } catch {
      /* starting */
    }
    if (proc.exitCode !== null) throw new Error(`server exited: ${log}`)
    await new Promise((r) => setTimeout(r, 150))
  }
  return {
    url,
    proc,
    log: () => log,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve()
        proc.once('exit', () => resolve())
        proc.kill('SIGTERM')
      }),
  }
}

/** A command of the project (`node --import tsx <script> ...args`) run to its end: its exit code and output. */
export function runScript(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    proc.stdout!.on('data', (d) => (output += d))
    proc.stderr!.on('data', (d) => (output += d))
    proc.once('exit', (code) => resolve({ code, output }))
  })
}

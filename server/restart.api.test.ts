import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { backend, createPostgresDatabase } from '../tools/test-support/harness'
import { startServer } from '../tools/test-support/server-process'

describe('the server process', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hadir-restart-'))
  const env: NodeJS.ProcessEnv = { ...process.env, HADIR_DATA_DIR: dataDir, DATABASE_URL: '' }
  let drop = async () => {}
  beforeAll(async () => {
    if (backend === 'postgres') {
      const created = await createPostgresDatabase()
      env.DATABASE_URL = created.url
      drop = created.drop
    }
  })
  afterAll(async () => {
    await drop()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  it('reports its database, keeps data and its secret across a restart, and stops cleanly on SIGTERM', async () => {
    const first = await startServer(env)
    const health = await (await fetch(`${first.url}/api/health`)).json()
    expect(health.data.database).toEqual({ kind: backend === 'postgres' ? 'postgres' : 'embedded', reachable: true })
    // Idle keep-alive connections outlive the clients' and proxies' own (Node's default 5 s raced a client reusing
    // one: ECONNRESET in a browser test's API calls).
    const keepAlive = await new Promise<string>((resolve, reject) => {
      const agent = new http.Agent({ keepAlive: true })
      http.get(`${first.url}/api/health`, { agent }, (res) => {
        res.resume()
        res.on('end', () => {
          agent.destroy()
          resolve(String(res.headers['keep-alive']))
        })
      }).on('error', reject)
    })
    expect(keepAlive).toBe('timeout=65')
    const setup = await fetch(`${first.url}/api/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ organization: { name: 'Kantor Desa' }, admin: { name: 'Pak Lurah', email: 'lurah@desa.id', password: 'rahasia-123' } }),
    })
    expect(setup.status).toBe(201)
    const login = await fetch(`${first.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'lurah@desa.id', password: 'rahasia-123' }),
    })
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!
    await first.stop()
    expect(first.proc.exitCode).toBe(0)

    const secretFile = path.join(dataDir, 'secret')
    expect(fs.existsSync(secretFile)).toBe(true)
    expect(fs.statSync(secretFile).mode & 0o077).toBe(0)
    if (backend === 'pglite') expect(fs.existsSync(path.join(dataDir, 'pglite'))).toBe(true)

    const second = await startServer(env)
    try {
      const status = await (await fetch(`${second.url}/api/setup/status`)).json()
      expect(status.data.needs_setup).toBe(false)
      // The session made before the restart is still valid: the secret was kept.
      const me = await fetch(`${second.url}/api/auth/me`, { headers: { cookie } })
      expect(me.status).toBe(200)
    } finally {
      await second.stop()
    }
  })
})

// The Dockerfile's steps, run without a Docker engine: a clean install from the lockfile in a copy of the repository,
// the build, pruning to production dependencies, the runtime stage's files only, the server started as the CMD says,
// and the HEALTHCHECK command. Fails if the Dockerfile no longer says what this script does.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8')
const must = [
  /^FROM node:20-bookworm-slim AS deps$/m,
  /^RUN npm ci --no-audit --no-fund$/m,
  /^RUN npm run build && npm prune --omit=dev$/m,
  /^FROM node:20-bookworm-slim AS runtime$/m,
  /^COPY --from=build \/app\/package.json \.\/package.json$/m,
  /^COPY --from=build \/app\/node_modules \.\/node_modules$/m,
  /^COPY --from=build \/app\/dist \.\/dist$/m,
  /^COPY --from=build \/app\/migrations \.\/migrations$/m,
  /^USER node$/m,
  /^VOLUME \["\/app\/data"\]$/m,
  /^EXPOSE 3000$/m,
  /^HEALTHCHECK /m,
  /^CMD \["node", "dist\/server\/index.js"\]$/m,
]
for (const re of must) {
  if (!re.test(dockerfile)) {
    console.error(`Dockerfile does not contain ${re}: update scripts/docker-steps.mjs to match it.`)
    process.exit(1)
  }
}
const health = JSON.parse(dockerfile.match(/CMD (\["node", "-e", .*\])\s*$/m)[1])

// docker-compose.yml (the scaled layout) adds no build step: its replicas are this Dockerfile's image. It must build
// from here, keep nothing in the replicas, give them only variables the server knows, and health-check what the image does.
const compose = fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')
const envSource = fs.readFileSync(path.join(root, 'server', 'env.ts'), 'utf8')
const hadirEnv = compose.match(/^x-hadir-env: &hadir-env\n((?: {2}.*\n)+)/m)?.[1] ?? ''
const hadirService = compose.match(/^ {2}hadir:\n((?: {4}.*\n|\n)+)/m)?.[1] ?? ''
const composeProblems = [
  !/^ {4}build: \.$/m.test(hadirService) && 'the hadir service does not build from the Dockerfile (build: .)',
  /^ {4}volumes:/m.test(hadirService) && 'the hadir replicas have a volume: they must keep nothing',
  !/^ {4}environment: \*hadir-env$/m.test(hadirService) && 'the hadir service does not take x-hadir-env',
  !compose.includes('health_uri /api/health') && 'the load balancer does not check /api/health',
  ...[...hadirEnv.matchAll(/^ {2}([A-Z0-9_]+):/gm)].map((m) => m[1]).filter((name) => !envSource.includes(`${name}:`)).map((name) => `${name} is not a variable server/env.ts reads`),
].filter(Boolean)
if (!hadirEnv || !hadirService || composeProblems.length) {
  console.error(`docker-compose.yml: ${composeProblems.join('; ') || 'x-hadir-env or the hadir service is missing'}`)
  process.exit(1)
}
console.log('  ok  docker-compose.yml: the replicas are the Dockerfile\'s image, stateless, with known variables')

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hadir-docker-'))
const build = path.join(work, 'build')
const runtime = path.join(work, 'runtime')
// The build's compressed siblings come from the checkout's cache of them (scripts/precompress.mjs: by content, so the
// same bytes a compression here would make; `npm test` built the same files moments before), where a Docker build
// compresses them anew.
const precompressCache = process.env.HADIR_PRECOMPRESS_CACHE || path.join(root, 'node_modules', '.cache', 'hadir', 'precompress')
function step(label, cmd, args, cwd) {
  const t0 = Date.now()
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', env: { ...process.env, NODE_ENV: undefined, HADIR_PRECOMPRESS_CACHE: precompressCache } })
  if (r.status !== 0) {
    console.error(`docker step failed: ${label}\n${r.stdout}\n${r.stderr}`)
    process.exit(1)
  }
  console.log(`  ok  ${label} (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
}

// COPY . . with .dockerignore: the files git knows about (tracked or new and not ignored).
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: root, encoding: 'utf8' })
  .split('\0')
  .filter((f) => f && fs.existsSync(path.join(root, f)))
for (const f of files) {
  fs.mkdirSync(path.dirname(path.join(build, f)), { recursive: true })
  fs.copyFileSync(path.join(root, f), path.join(build, f))
}
step('npm ci --no-audit --no-fund', 'npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], build)
step('npm run build', 'npm', ['run', 'build'], build)
step('npm prune --omit=dev', 'npm', ['prune', '--omit=dev', '--no-audit', '--no-fund'], build)
// The runtime stage's COPY --from=build: moved rather than copied (the build folder is deleted next), the same files.
fs.mkdirSync(runtime, { recursive: true })
for (const p of ['package.json', 'node_modules', 'dist', 'migrations']) fs.renameSync(path.join(build, p), path.join(runtime, p))
fs.rmSync(build, { recursive: true, force: true })

const port = await new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address()
    s.close(() => resolve(port))
  })
})
const env = { PATH: process.env.PATH, NODE_ENV: 'production', PORT: String(port), HADIR_DATA_DIR: path.join(runtime, 'data') }
const server = spawn('node', ['dist/server/index.js'], { cwd: runtime, env, stdio: ['ignore', 'pipe', 'pipe'] })
let output = ''
server.stdout.on('data', (d) => (output += d))
server.stderr.on('data', (d) => (output += d))

let healthy = false
for (let i = 0; i < 100 && !healthy; i++) {
  await new Promise((r) => setTimeout(r, 300))
  healthy = spawnSync(health[0], health.slice(1), { env }).status === 0
}
let failure = healthy ? null : 'HEALTHCHECK never passed'
if (!failure) {
  const h = await (await fetch(`http://127.0.0.1:${port}/api/health`)).json()
  if (h.data?.database?.kind !== 'embedded' || !h.data.database.reachable) failure = `unexpected health: ${JSON.stringify(h)}`
  const page = await fetch(`http://127.0.0.1:${port}/admin/login`)
  const shell = page.ok ? await page.text() : ''
  if (!shell.includes('<div id="app"')) failure = 'the built PWA is not served'
  // The build's .br/.gz siblings are in the image (COPY of dist) and sent to a browser that accepts them.
  const entry = shell.match(/src="\/(assets\/index-[^"]+\.js)"/)?.[1]
  const packed = entry ? await fetch(`http://127.0.0.1:${port}/${entry}`, { headers: { 'accept-encoding': 'br' } }) : null
  await packed?.body?.cancel()
  if (!entry || !fs.existsSync(path.join(runtime, 'dist', 'client', `${entry}.br`)) || packed?.headers.get('content-encoding') !== 'br') {
    failure = 'the precompressed assets are missing from the runtime files or not served'
  }
  if (!fs.existsSync(path.join(runtime, 'data', 'secret'))) failure = 'no secret generated in the data volume'
  if (fs.existsSync(path.join(runtime, 'node_modules', 'vite'))) failure = 'dev dependencies left in the runtime image'
}
if (!failure) {
  // The README's backup of the running one-container default: `docker exec hadir node dist/server/index.js backup FILE`,
  // written by the running server (its embedded database is its own), with nothing but the runtime files.
  const archive = path.join(runtime, 'data', 'backups', 'nightly.jsonl.gz')
  const backup = spawnSync('node', ['dist/server/index.js', 'backup', archive], { cwd: runtime, env, encoding: 'utf8' })
  if (backup.status !== 0 || !backup.stdout.includes('written by the running server') || !fs.existsSync(archive)) {
    failure = `the container's backup command failed (exit ${backup.status}): ${backup.stdout}${backup.stderr}`
  }
}
console.log(failure ? '' : '  ok  server started from the runtime files; HEALTHCHECK passes; PWA served, its assets precompressed; backup while running')
server.kill('SIGTERM')
await new Promise((r) => server.once('exit', r))
fs.rmSync(work, { recursive: true, force: true })
if (failure) {
  console.error(`docker steps failed: ${failure}\n${output}`)
  process.exit(1)
}

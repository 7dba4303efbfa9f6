import fs from 'node:fs'
import path from 'node:path'
import type { Hono } from 'hono'
import { serveStatic } from '@hono/node-server/serve-static'
import type { AppEnv } from './context'

/** Serves the built PWA from dist/client: hashed assets cached for a year, the shell and service worker never. */
export function mountClient(app: Hono<AppEnv>, dir: string): void {
  const index = path.join(dir, 'index.html')
  if (!fs.existsSync(index)) {
    app.get('/', (c) =>
      c.text('Hadir API is running, but the app is not built. Run `npm run build` (npm start does it for you).', 503),
    )
    return
  }
  const root = path.relative(process.cwd(), dir) || '.'
  app.use('/assets/*', async (c, next) => {
    await next()
    if (c.res.ok) c.res.headers.set('Cache-Control', 'public, max-age=31536000, immutable')
  })
  app.use(
    '*',
    serveStatic({
      root,
      onFound: (file, c) => {
        if (/(sw\.js|index\.html|manifest\.webmanifest)$/.test(file)) c.header('Cache-Control', 'no-cache')
      },
    }),
  )
  const html = () => fs.readFileSync(index, 'utf8')
  // Client-side routes (/admin/members, /m/invite/...) all load the shell.
  app.get('*', (c) => {
    if (path.extname(c.req.path)) return c.notFound()
    c.header('Cache-Control', 'no-cache')
    return c.html(html())
  })
}

// Like a lockfile check: server/openapi/responses.generated.json must be what the code's types say today. When this
// fails, run `npm run openapi:generate` and commit the file.
import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { extractResponseTypes, GENERATED, renderResponseTypes } from './response-types'

describe('the generated response schemas', () => {
  it('are up to date with the route types (npm run openapi:generate)', () => {
    const fresh = renderResponseTypes(extractResponseTypes())
    const committed = fs.readFileSync(GENERATED, 'utf8')
    if (fresh !== committed) {
      const routes = (text: string) => JSON.parse(text) as Record<string, unknown>
      const a = routes(committed)
      const b = routes(fresh)
      const changed = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
      expect.fail(`server/openapi/responses.generated.json is stale (run npm run openapi:generate): ${changed.join(', ')}`)
    }
  })
})

// Like a lockfile check: server/openapi/responses.generated.json and errors.generated.json must be what the code says
// today. When this fails, run `npm run openapi:generate` and commit the files.
import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ERRORS_GENERATED, generate } from './generate'
import { GENERATED } from './response-types'

function changedRoutes(committed: string, fresh: string): string[] {
  const a = JSON.parse(committed) as Record<string, unknown>
  const b = JSON.parse(fresh) as Record<string, unknown>
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
}

/** One read of the code for both tests (about 20 s: the type checker over the whole server). */
let generated: ReturnType<typeof generate> | undefined
const fromCode = () => (generated ??= generate())

describe('the generated OpenAPI inputs', () => {
  it('are up to date with the code (npm run openapi:generate)', () => {
    const fresh = fromCode()
    for (const [file, text] of [[GENERATED, fresh.responses], [ERRORS_GENERATED, fresh.errors]] as const) {
      const committed = fs.readFileSync(file, 'utf8')
      if (text !== committed) expect.fail(`${file} is stale (run npm run openapi:generate): ${changedRoutes(committed, text).join(', ')}`)
    }
  })

  it('name each route\'s own error codes, read through the calls its handlers make', () => {
    const errors = JSON.parse(fromCode().errors) as Record<string, Record<string, string[]>>
    // Thrown in a service the route calls (members.service: a member who still has records cannot be deleted).
    expect(errors['DELETE /api/organizations/:id/members/:memberId']!['409']).toEqual(expect.arrayContaining(['MEMBER_ACTIVE']))
    // Through a subclass's default (NotFoundError's code) and a literal union (the challenge answers).
    expect(errors['POST /api/members/:memberId/face/register']!['422']).toEqual(expect.arrayContaining(['CHALLENGE_EXPIRED', 'NO_FACE', 'VALIDATION_FAILED']))
    // The guard (allow) and the app's own middleware, on every route.
    expect(errors['GET /api/organizations/:id/members']!['403']).toEqual(expect.arrayContaining(['FORBIDDEN', 'ORGANIZATION_NOT_SELECTED']))
    expect(errors['POST /api/devices/enrol']!['429']).toEqual(expect.arrayContaining(['ENROL_LOCKED']))
    // Every code is a literal the checker could read: no route has an open set.
    expect(Object.entries(errors).filter(([, statuses]) => Object.values(statuses).some((codes) => codes.includes('*'))).map(([route]) => route)).toEqual([])
  })
})

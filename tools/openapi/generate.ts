// `npm run openapi:generate`: what the OpenAPI document reads from the code's types, written where the server finds it
// (committed; tools/openapi/generated.unit.test.ts fails when either file is stale, like a lockfile check):
// - server/openapi/responses.generated.json, each route's success (and own) answers (response-types.ts);
// - server/openapi/errors.generated.json, the error codes each route can answer (error-codes.ts).
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { extractErrorCodes, type ErrorCodes } from './error-codes'
import { extractResponseTypes, GENERATED, program, renderResponseTypes, ROOT } from './response-types'

export const ERRORS_GENERATED = path.join(ROOT, 'server/openapi/errors.generated.json')

/** One line per route: diffs stay readable. */
export function renderErrorCodes(codes: ErrorCodes): string {
  const lines = Object.entries(codes).map(([route, statuses]) => `  ${JSON.stringify(route)}: ${JSON.stringify(statuses)}`)
  return `{\n${lines.join(',\n')}\n}\n`
}

/** Both files' text as the code says today. */
export function generate(): { responses: string; errors: string } {
  const prog = program()
  return { responses: renderResponseTypes(extractResponseTypes(prog)), errors: renderErrorCodes(extractErrorCodes(prog)) }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now()
  const { responses, errors } = generate()
  fs.writeFileSync(GENERATED, responses)
  fs.writeFileSync(ERRORS_GENERATED, errors)
  const count = (text: string) => Object.keys(JSON.parse(text) as object).length
  console.log(`${count(responses)} routes' response types -> ${path.relative(ROOT, GENERATED)}, ${count(errors)} routes' error codes -> ${path.relative(ROOT, ERRORS_GENERATED)} (${Date.now() - started} ms)`)
}

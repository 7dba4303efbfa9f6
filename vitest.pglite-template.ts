// Global setup of the api-pglite project: the migrated PGlite template every test file's database is loaded from
// (tools/test-support/pglite-template.ts), made once before the workers start instead of by each worker at once.
import { pgliteTemplateBytes } from './tools/test-support/pglite-template'

export default async function setup(): Promise<void> {
  await pgliteTemplateBytes()
}

// Setup of the PostgreSQL API project (vitest.config.ts): a test fails when its routes sent a statement outside the
// open transaction of the same request, which would hang on the embedded database (./one-connection.ts), even when
// the code that sent it caught the error.
import { afterEach } from 'vitest'
import { takeOneConnectionViolations } from './one-connection'

afterEach(() => {
  const found = takeOneConnectionViolations()
  if (found.length) throw new Error(`${found.length} statement(s) would wait forever on the embedded database:\n${found.join('\n\n')}`)
})

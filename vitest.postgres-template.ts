// Global setup of the api-postgres project: one migrated database per run, the template every test file's database is
// cloned from (CREATE DATABASE ... TEMPLATE, tools/test-support/harness.ts), instead of migrating an empty database in
// every file (the migrations took seconds a file; a clone takes a fraction of a second). Dropped when the run ends.
import crypto from 'node:crypto'
import postgres from 'postgres'
import { openDatabase } from './server/db/client'

const PG_URL = process.env.HADIR_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export default async function setup(): Promise<() => Promise<void>> {
  const name = `hadir_test_template_${process.pid}_${crypto.randomBytes(4).toString('hex')}`
  const admin = postgres(PG_URL, { max: 1, onnotice: () => {} })
  await admin.unsafe(`create database ${name}`)
  const url = new URL(PG_URL)
  url.pathname = `/${name}`
  // Migrated as the server migrates at start; closed, so nobody is connected to it while the files clone it.
  const database = await openDatabase({ databaseUrl: url.toString(), dataDir: 'memory://' })
  await database.close()
  process.env.HADIR_TEST_PG_TEMPLATE = name
  return async () => {
    delete process.env.HADIR_TEST_PG_TEMPLATE
    await admin.unsafe(`drop database if exists ${name} with (force)`)
    await admin.end()
  }
}

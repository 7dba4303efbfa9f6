// A server instance that dies in the middle of a job: opens the job queue on DATABASE_URL, takes a job of QUEUE,
// prints "started <id>" and hangs until the test kills it with SIGKILL (queue.api.test.ts).
import { openDatabase } from '../db/client'
import { openJobQueue } from './queue'

const url = process.env.DATABASE_URL!
const database = await openDatabase({ databaseUrl: url, dataDir: 'memory://', migrate: false })
const jobs = await openJobQueue(database, { databaseUrl: url, pollingIntervalSeconds: 0.5, concurrency: 1 })
await jobs.work(process.env.QUEUE!, async (_data, job) => {
  process.stdout.write(`started ${job.id}\n`)
  await new Promise(() => {})
})
process.stdout.write('ready\n')

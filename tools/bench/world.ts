// The organization the server benchmarks run against: the production server on a PostgreSQL database of its own,
// set up through the API like a real installation (setup wizard, admin, departments, a petugas and an enrolled
// tablet), with its members and their registered faces bulk-loaded in SQL (thousands of registrations through the API
// would take the bench's whole time budget; the rows are the ones registration writes).
import { FACE_MODEL } from '../../shared/face/model'
import postgres from 'postgres'
import { descriptorToBytes } from '../../shared/face/descriptor'
import { DEPARTMENTS, personName, Rng, type SyntheticFaces } from './generators'
import { createDatabase, Http, progress, startServer, tempDir, type BenchDatabase, type RunningServer } from './lib'

export const ADMIN = { name: 'Ibu Ratna Sari', email: 'ratna@harapan.sch.id', password: 'rahasia-sekolah-1' }
export const PIN = '582914'

export interface BenchMember {
  id: number
  name: string
  number: string
  departmentId: number | null
  /** Centre of the member's synthetic face. */
  centre: Float32Array
}

export interface World {
  db: BenchDatabase
  sql: postgres.Sql
  server: RunningServer
  dataDir: string
  orgId: number
  admin: Http
  /** An enrolled tablet with the petugas signed in. */
  tablet: Http
  petugasId: number
  departments: number[]
  members: BenchMember[]
  close: () => Promise<void>
}

/** Setup, admin, organization: as the setup wizard does it. */
export async function adminOf(url: string, organization = 'SMA Negeri 1 Harapan'): Promise<{ admin: Http; orgId: number }> {
  const admin = new Http(url)
  const status = await admin.get<{ needs_setup: boolean }>('/api/setup/status')
  if (status.needs_setup) await admin.post('/api/setup', { organization: { name: organization, timezone: 'Asia/Jakarta' }, admin: ADMIN })
  const me = await admin.post<{ organizations: { id: number }[] }>('/api/auth/login', { email: ADMIN.email, password: ADMIN.password })
  const orgId = me.organizations[0]!.id
  await admin.post('/api/auth/select', { organization_id: orgId })
  return { admin, orgId }
}

/** A petugas on an enrolled tablet of the organization (the tablet's own enrolment and the petugas's invitation). */
export async function tabletOf(url: string, admin: Http, orgId: number, number: string): Promise<{ tablet: Http; petugasId: number }> {
  const petugas = await admin.post<{ id: number }>(`/api/organizations/${orgId}/members`, { name: 'Pak Darmawan', member_number: number, role: 'petugas' })
  const invitation = await admin.post<{ code: string }>(`/api/organizations/${orgId}/members/${petugas.id}/invitations`, {})
  const device = await admin.post<{ enrol_code: string }>(`/api/organizations/${orgId}/devices`, { name: `Tablet gerbang ${number}` })
  const tablet = new Http(url)
  await tablet.post('/api/devices/enrol', { code: device.enrol_code })
  await tablet.post('/api/mobile/invitations/redeem', { code: invitation.code, pin: PIN })
  return { tablet, petugasId: petugas.id }
}

/** Bulk-loads members (users, memberships with a department, the member role) and `perMember` descriptors each. */
export async function seedMembers(sql: postgres.Sql, orgId: number, departments: number[], count: number, faces: SyntheticFaces | null, perMember: number, rng: Rng, prefix = 'BM'): Promise<BenchMember[]> {
  const [role] = await sql<{ id: number }[]>`select id from roles where key = 'member' and organization_id is null`
  const members: BenchMember[] = []
  const CHUNK = 1000
  for (let start = 0; start < count; start += CHUNK) {
    const n = Math.min(CHUNK, count - start)
    const names = Array.from({ length: n }, () => personName(rng))
    const users = await sql<{ id: number }[]>`insert into users ${sql(names.map((name) => ({ name })))} returning id`
    const rows = users.map((u, i) => ({
      organization_id: orgId,
      user_id: u.id,
      member_number: `${prefix}-${String(start + i + 1).padStart(6, '0')}`,
      department_id: departments.length ? departments[(start + i) % departments.length]! : null,
    }))
    const ids = await sql<{ id: number }[]>`insert into organization_members ${sql(rows)} returning id`
    await sql`insert into member_roles ${sql(ids.map((m) => ({ organization_member_id: m.id, role_id: role!.id, organization_id: orgId })))}`
    const batch = ids.map((m, i) => ({ id: m.id, name: names[i]!, number: rows[i]!.member_number, departmentId: rows[i]!.department_id, centre: faces ? faces.centre() : new Float32Array(0) }))
    if (faces && perMember > 0) {
      const faceRows = batch.flatMap((m) => Array.from({ length: perMember }, () => ({ organization_id: orgId, organization_member_id: m.id, face_encoding: Buffer.from(descriptorToBytes(faces.capture(m.centre))), model: FACE_MODEL.id, face_verified: true })))
      await sql`insert into member_face_data ${sql(faceRows)}`
    }
    members.push(...batch)
  }
  return members
}

export async function createWorld(options: { members: number; faces: SyntheticFaces; perMember: number; seed?: number }): Promise<World> {
  const db = await createDatabase('main')
  const dataDir = tempDir('world')
  let server: RunningServer | null = null
  let sql: postgres.Sql | null = null
  try {
    server = await startServer({ databaseUrl: db.url, dataDir })
    const { admin, orgId } = await adminOf(server.url)
    const departments: number[] = []
    for (const name of DEPARTMENTS) departments.push((await admin.post<{ id: number }>(`/api/organizations/${orgId}/departments`, { name })).id)
    sql = postgres(db.url, { max: 4, onnotice: () => {} })
    const rng = new Rng(options.seed ?? 20261124)
    progress(`  seeding ${options.members.toLocaleString('en')} members with ${options.perMember} face descriptors each`)
    const members = await seedMembers(sql, orgId, departments, options.members, options.faces, options.perMember, rng)
    // Statistics for every table that has rows, none for the still-empty ones (the attendance tables, which the benches
    // fill). Analyzing an empty table made each server connection plan its foreign-key checks into attendance_records
    // as sequential scans of an empty table and keep those plans while the sync ingest filled it (17-21 ms of a
    // 100-record batch's write, growing with the table). A production database never analyzes its attendance tables
    // empty right before a rush: tables no one analyzed are planned as of some size, and autovacuum re-analyzes a
    // growing one within a minute.
    const tables = await sql<{ name: string }[]>`select tablename as name from pg_tables where schemaname = 'public'`
    const filled: string[] = []
    for (const t of tables) if ((await sql.unsafe<{ x: boolean }[]>(`select exists (select 1 from "${t.name}") as x`))[0]?.x) filled.push(t.name)
    if (filled.length) await sql.unsafe(`analyze ${filled.map((name) => `"${name}"`).join(', ')}`)
    const { tablet, petugasId } = await tabletOf(server.url, admin, orgId, 'PK-0001')
    const s = server
    const q = sql
    return {
      db,
      sql,
      server,
      dataDir,
      orgId,
      admin,
      tablet,
      petugasId,
      departments,
      members,
      close: async () => {
        await s.stop()
        await q.end({ timeout: 5 })
        await db.drop()
      },
    }
  } catch (err) {
    await server?.stop()
    await sql?.end({ timeout: 5 })
    await db.drop()
    throw err
  }
}

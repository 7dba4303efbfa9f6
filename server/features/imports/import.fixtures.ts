import zlib from 'node:zlib'
import * as XLSX from 'xlsx'
import type { Agent, TestApp, TestResponse } from '../../../tools/test-support/harness'

/**
 * Files for the import tests, written here (writing with xlsx is safe; only reading is not), including malicious
 * ones: a zip bomb, formulas, `__proto__` keys.
 */

/** An .xlsx of the given rows exactly as given (no neutralising): strings, numbers, and `{ f: 'A1+1' }` formula cells. */
export function xlsxOf(rows: (string | number | { f: string; v?: string | number } | null)[][], sheetName = 'Members'): Buffer {
  const ws: XLSX.WorkSheet = {}
  let maxC = 0
  rows.forEach((row, r) => {
    row.forEach((value, c) => {
      if (value === null || value === '') return
      maxC = Math.max(maxC, c)
      const address = XLSX.utils.encode_cell({ r, c })
      if (typeof value === 'object') ws[address] = { t: typeof value.v === 'number' ? 'n' : 's', f: value.f, v: value.v ?? '' }
      else ws[address] = typeof value === 'number' ? { t: 'n', v: value } : { t: 's', v: value }
    })
  })
  ws['!ref'] = XLSX.utils.encode_range({ s: { r: 0, c: 0 }, e: { r: Math.max(0, rows.length - 1), c: maxC } })
  const book = XLSX.utils.book_new()
  XLSX.utils.book_append_sheet(book, ws, sheetName)
  return XLSX.write(book, { type: 'buffer', bookType: 'xlsx', compression: true }) as Buffer
}

export function csvOf(rows: string[][], delimiter = ','): string {
  return `${rows.map((r) => r.map((v) => (/[",;\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(delimiter)).join('\r\n')}\r\n`
}

interface ZipEntry {
  name: string
  /** What is stored (deflated when method is 8). */
  data: Buffer
  method: 0 | 8
  crc: number
  size: number
}

/** The entries of a zip (to rebuild a real .xlsx with one part replaced). Only for files this module wrote. */
function unzip(buf: Buffer): ZipEntry[] {
  let eocd = buf.length - 22
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054B50) eocd--
  const count = buf.readUInt16LE(eocd + 10)
  let p = buf.readUInt32LE(eocd + 16)
  const out: ZipEntry[] = []
  for (let i = 0; i < count; i++) {
    const method = buf.readUInt16LE(p + 10) as 0 | 8
    const crc = buf.readUInt32LE(p + 16)
    const csize = buf.readUInt32LE(p + 20)
    const size = buf.readUInt32LE(p + 24)
    const nameLength = buf.readUInt16LE(p + 28)
    const name = buf.subarray(p + 46, p + 46 + nameLength).toString('utf8')
    const local = buf.readUInt32LE(p + 42)
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28)
    out.push({ name, data: Buffer.from(buf.subarray(start, start + csize)), method, crc, size })
    p += 46 + nameLength + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32)
  }
  return out
}

function zip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8')
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034B50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(0, 6)
    local.writeUInt16LE(e.method, 8)
    local.writeUInt32LE(e.crc >>> 0, 14)
    local.writeUInt32LE(e.data.length, 18)
    local.writeUInt32LE(e.size >>> 0, 22)
    local.writeUInt16LE(name.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014B50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(e.method, 10)
    central.writeUInt32LE(e.crc >>> 0, 16)
    central.writeUInt32LE(e.data.length, 20)
    central.writeUInt32LE(e.size >>> 0, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt32LE(offset, 42)
    locals.push(local, name, e.data)
    centrals.push(central, name)
    offset += 30 + name.length + e.data.length
  }
  const cd = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054B50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(cd.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, cd, end])
}

/**
 * A real .xlsx whose sheet XML inflates to `megabytes` MB (valid XML: a sheet padded with whitespace), deflated to a
 * few hundred KB. `lie` makes the zip headers claim a tiny size, as real bombs do.
 */
export async function zipBombXlsx(megabytes: number, lie = false): Promise<Buffer> {
  const base = unzip(xlsxOf([['name', 'member_number'], ['Bom', 'B-1']]))
  const sheet = base.find((e) => e.name === 'xl/worksheets/sheet1.xml')!
  const xml = zlib.inflateRawSync(sheet.data).toString('utf8')
  const cut = xml.indexOf('<sheetData>')
  const head = Buffer.from(xml.slice(0, cut))
  const tail = Buffer.from(xml.slice(cut))
  const deflate = zlib.createDeflateRaw({ level: 9 })
  const parts: Buffer[] = []
  deflate.on('data', (chunk: Buffer) => parts.push(chunk))
  const done = new Promise((resolve) => deflate.on('end', resolve))
  const pad = Buffer.alloc(1024 * 1024, 0x20)
  let crc = zlib.crc32(head)
  deflate.write(head)
  for (let i = 0; i < megabytes; i++) {
    crc = zlib.crc32(pad, crc)
    if (!deflate.write(pad)) await new Promise((resolve) => deflate.once('drain', resolve))
  }
  crc = zlib.crc32(tail, crc)
  deflate.end(tail)
  await done
  const size = head.length + megabytes * pad.length + tail.length
  const bomb: ZipEntry = { name: sheet.name, data: Buffer.concat(parts), method: 8, crc, size: lie ? 1024 : size % 2 ** 32 }
  return zip(base.map((e) => (e === sheet ? bomb : e)))
}

/** Posts a file to the import route as multipart/form-data with the agent's cookies. */
export async function uploadFile(
  t: TestApp,
  agent: Agent,
  organizationId: number,
  file: Buffer | string,
  filename: string,
  fields: Record<string, string> = {},
  path = `/api/organizations/${organizationId}/members/import`,
): Promise<TestResponse> {
  const form = new FormData()
  form.set('file', new File([typeof file === 'string' ? file : new Uint8Array(file)], filename))
  for (const [k, v] of Object.entries(fields)) form.set(k, v)
  const cookie = [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  const res = await t.app.request(path, { method: 'POST', body: form, headers: cookie ? { cookie } : {} })
  const text = await res.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, headers: res.headers }
}

/** Fetches a download (template, export) as bytes. */
export async function download(t: TestApp, agent: Agent, path: string): Promise<{ status: number; bytes: Buffer; headers: Headers }> {
  const cookie = [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  const res = await t.app.request(path, { headers: cookie ? { cookie } : {} })
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), headers: res.headers }
}

/** Applies a preview, streamed: the NDJSON lines as objects. */
export async function applyStreamed(t: TestApp, agent: Agent, organizationId: number, jobId: number): Promise<{ status: number; lines: any[] }> {
  const cookie = [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  const res = await t.app.request(`/api/organizations/${organizationId}/members/import/${jobId}/apply`, {
    method: 'POST',
    headers: { cookie, 'accept': 'application/x-ndjson', 'content-type': 'application/json' },
    body: '{}',
  })
  const text = await res.text()
  return { status: res.status, lines: text.split('\n').filter(Boolean).map((l) => JSON.parse(l)) }
}

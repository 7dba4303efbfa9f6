// An archive's content for the backup tests: every table's rows (as sorted JSON lines) and every photo.
import zlib from 'node:zlib'

export function readArchive(archive: Buffer) {
  const lines = zlib.gunzipSync(archive).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
  const tables = new Map<string, string[]>()
  const images = new Map<string, string>()
  let current: string[] = []
  for (const item of lines) {
    if (item.table) tables.set(item.table, (current = []))
    else if (item.row) current.push(JSON.stringify(item.row))
    else if (item.image) images.set(item.image, item.data)
  }
  for (const rows of tables.values()) rows.sort()
  return { header: lines[0], manifest: lines.at(-1).manifest, tables, images }
}

/**
 * A URL- and key-safe form of a name ("Ketua Kelas" -> "ketua-kelas", "SMA Négeri 1" -> "sma-negeri-1"): accents
 * dropped, lower case, anything else a single dash, cut to `maxLength`; `fallback` when nothing is left.
 */
export function slugify(name: string, maxLength: number, fallback: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036F]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, maxLength)
  return base || fallback
}

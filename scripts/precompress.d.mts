export declare const COMPRESSIBLE: RegExp
export interface PrecompressRow {
  /** The file, relative to the directory compressed. */
  file: string
  size: number
  /** The size of FILE.br / FILE.gz, or null when none was kept. */
  br: number | null
  gz: number | null
}
export declare function precompress(dir: string, options?: { cacheDir?: string | null }): Promise<PrecompressRow[]>
export declare function summary(rows: PrecompressRow[]): string

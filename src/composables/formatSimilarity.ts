// A face distance as people read it, on the dashboard: the similarity in percent (shared/face/similarity.ts). Its own
// module, not useFormat's: the scale imports the matching module, which the phone's shared chunks must not carry.
import { similarityOf } from '@shared/face/similarity'
import { formatNumber } from './useFormat'

/** "81.3%" / "81,3%": one decimal, the scale of the settings and the lists; '—' when unknown. */
export function formatSimilarity(distance: number | null | undefined): string {
  if (distance === null || distance === undefined) return '—'
  return formatNumber(similarityOf(distance) / 100, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 })
}

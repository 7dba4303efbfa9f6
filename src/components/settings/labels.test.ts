import { beforeAll, describe, expect, it } from 'vitest'
import type { AuditEntry } from '~/api/settings-admin'
import { i18n, loadDashboardMessages, loadLocales } from '~/modules/i18n'
import { auditDetails } from './labels'

await loadLocales()

describe('the audit log shows face settings on the settings page\'s scale', () => {
  beforeAll(async () => {
    await loadDashboardMessages()
  })

  it('the threshold as a minimum similarity, the margin as its level, in both languages', () => {
    const entry = { details: { face_threshold: 0.85, face_margin: 0.1, photo_retention_days: 30 } } as unknown as AuditEntry
    i18n.global.locale.value = 'en'
    expect(auditDetails(entry)).toEqual([
      { label: 'Minimum similarity', value: '63.9%' },
      { label: 'Look-alike protection', value: 'Strict' },
      { label: expect.any(String), value: '30' },
    ])
    i18n.global.locale.value = 'id'
    expect(auditDetails(entry).slice(0, 2)).toEqual([
      { label: 'Kemiripan minimal', value: '63,9%' },
      { label: 'Perlindungan wajah mirip', value: 'Ketat' },
    ])
    i18n.global.locale.value = 'en'
  })
})

import { beforeAll, describe, expect, it } from 'vitest'
import { i18n, loadDashboardMessages, loadLocales } from '~/modules/i18n'
import { recordedLine, recordedVia } from './format'

await loadLocales() // both languages' messages: the tests switch between them

describe('how a record came in', () => {
  beforeAll(async () => {
    await loadDashboardMessages()
  })

  it('a capture from the app is a kiosk one when a petugas recorded it, else the member’s own phone', () => {
    expect(recordedVia('mobile', 'Pak Slamet Riyadi')).toBe('kiosk')
    expect(recordedVia('mobile', null)).toBe('phone')
    expect(recordedVia('manual', 'Ibu Wulan')).toBe('manual')
    expect(recordedVia('website', 'Ibu Wulan')).toBe('website')
  })

  it('reads as one line in both languages, with the name of whoever recorded it', () => {
    i18n.global.locale.value = 'en'
    expect(recordedLine('mobile', 'Pak Slamet Riyadi')).toBe('Kiosk · Pak Slamet Riyadi')
    expect(recordedLine('mobile', null)).toBe('Own phone')
    expect(recordedLine('manual', 'Ibu Wulan')).toBe('Manual · Ibu Wulan')
    i18n.global.locale.value = 'id'
    expect(recordedLine('mobile', 'Pak Slamet Riyadi')).toBe('Kios · Pak Slamet Riyadi')
    expect(recordedLine('mobile', null)).toBe('Ponsel sendiri')
    i18n.global.locale.value = 'en'
  })
})

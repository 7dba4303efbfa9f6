import { describe, expect, it } from 'vitest'
import { dailyExportUrl, monthlyExportUrl } from './reports'

describe('report export addresses', () => {
  it('are the typed client\'s paths with the page\'s filters, empty ones left out (as the hand-built URLs were)', () => {
    expect(dailyExportUrl('7', { date: '2026-12-04', department_id: 3, location_id: null, q: '', status: 'late' }, 'xlsx', 'id')).toBe(
      '/api/organizations/7/reports/daily/export?date=2026-12-04&department_id=3&status=late&format=xlsx&lang=id',
    )
    expect(dailyExportUrl('7', {}, 'csv', 'en')).toBe('/api/organizations/7/reports/daily/export?format=csv&lang=en')
    expect(monthlyExportUrl('12', { month: '2026-11', department_id: null, q: 'Budi Santoso' }, 'csv', 'en', 'members')).toBe(
      '/api/organizations/12/reports/monthly/export?month=2026-11&q=Budi+Santoso&format=csv&lang=en&table=members',
    )
    expect(monthlyExportUrl('12', { month: '2026-11' }, 'xlsx', 'id')).toBe('/api/organizations/12/reports/monthly/export?month=2026-11&format=xlsx&lang=id')
  })
})

import { afterEach, describe, expect, it } from 'vitest'
import { i18n } from '~/modules/i18n'
import { formatCalendarDate, formatClock, formatDuration, formatDateRange, formatDateTime, formatFigure, formatMonth, formatPercent, formatTime } from './useFormat'

afterEach(() => {
  i18n.global.locale.value = 'en'
})

describe('one way of showing dates, times and numbers per language', () => {
  it('shows a calendar date as that day whatever the viewer’s zone, in the interface language', () => {
    i18n.global.locale.value = 'en'
    expect(formatCalendarDate('2026-11-16')).toBe('Mon, 16 Nov 2026')
    expect(formatCalendarDate('2026-11-16', { day: 'numeric', month: 'long' })).toBe('16 November')
    i18n.global.locale.value = 'id'
    expect(formatCalendarDate('2026-11-16')).toBe('Sen, 16 Nov 2026')
    expect(formatCalendarDate('2026-11-16', undefined, 'en')).toBe('Mon, 16 Nov 2026')
  })

  it('shows a missing value as a dash and text that is no date as it is (no "Invalid Date")', () => {
    expect(formatCalendarDate(null)).toBe('—')
    expect(formatCalendarDate('')).toBe('—')
    expect(formatCalendarDate('2026-02-30')).toBe('2026-02-30')
    expect(formatCalendarDate('besok')).toBe('besok')
    expect(formatDateTime(undefined)).toBe('—')
    expect(formatDateTime('not a time')).toBe('not a time')
    expect(formatClock('not a time')).toBe('not a time')
    expect(formatMonth('2026-13')).toBe('2026-13')
    expect(formatTime(null)).toBe('—')
    expect(formatPercent(null)).toBe('—')
  })

  it('names months, times and figures in each language', () => {
    expect(formatMonth('2026-10')).toBe('October 2026')
    expect(formatTime('07:50:00')).toBe('07:50')
    expect(formatClock('2026-11-16T00:50:00Z', 'Asia/Jakarta')).toBe('07:50')
    expect(formatFigure(1234.567)).toBe('1,234.57')
    expect(formatPercent(0.875)).toBe('88%')
    i18n.global.locale.value = 'id'
    expect(formatMonth('2026-10')).toBe('Oktober 2026')
    expect(formatClock('2026-11-16T00:50:00Z', 'Asia/Jakarta')).toBe('07.50')
    expect(formatFigure(1234.567)).toBe('1.234,57')
  })

  it('says a span of days with its year once, and one day as that day', () => {
    expect(formatDateRange('2026-06-22', '2026-07-10')).toBe('22 Jun – 10 Jul 2026')
    expect(formatDateRange('2026-06-22', '2026-06-26')).toBe('22–26 Jun 2026')
    expect(formatDateRange('2026-12-29', '2027-01-02')).toBe('29 Dec 2026 – 2 Jan 2027')
    expect(formatDateRange('2026-06-22', '2026-06-22')).toBe('Mon, 22 Jun 2026')
    i18n.global.locale.value = 'id'
    expect(formatDateRange('2026-08-10', '2026-09-04')).toBe('10 Agu – 4 Sep 2026')
    expect(formatDateRange('2026-06-22', '2026-06-22')).toBe('Sen, 22 Jun 2026')
    expect(formatDateRange('2026-06-22', 'besok')).toBe('22 Jun 2026 – besok')
  })

  it('says a length of time in hours and minutes', () => {
    expect(formatDuration(889, 'id')).toBe('14 jam 49 menit')
    expect(formatDuration(20, 'id')).toBe('20 menit')
    expect(formatDuration(120, 'id')).toBe('2 jam')
    expect(formatDuration(889, 'en')).toBe('14 h 49 min')
    expect(formatDuration(0, 'en')).toBe('0 min')
  })
})

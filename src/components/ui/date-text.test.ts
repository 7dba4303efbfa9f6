import { describe, expect, it } from 'vitest'
import { calendarPage, dateText, monthTitle, parseDateText, parseMonthText, parseTimeText, timeText, weekdayNames } from './date-text'

describe('dates as typed and read in the app’s language', () => {
  it('shows a day as "3 Des 2026" in Indonesian and "3 Dec 2026" in English, whatever the browser', () => {
    expect(dateText('2026-12-03', 'id')).toBe('3 Des 2026')
    expect(dateText('2026-12-03', 'en')).toBe('3 Dec 2026')
    expect(dateText('2026-08-17', 'id')).toBe('17 Agu 2026')
    expect(dateText('', 'id')).toBe('')
  })

  it('reads what people type in either language, day first', () => {
    for (const typed of ['3 Des 2026', '3 des 2026', '03 Desember 2026', 'Kam, 3 Des 2026', '3 Dec 2026', '3 December 2026', 'Thu, 3 Dec 2026', '3/12/2026', '03-12-2026', '3.12.2026', '2026-12-03', ' 2026-12-3 ']) {
      expect(parseDateText(typed), typed).toBe('2026-12-03')
    }
    expect(parseDateText('17 Agt 2026')).toBe('2026-08-17')
    expect(parseDateText('17 Agustus 2026')).toBe('2026-08-17')
    expect(parseDateText('1 Sept 2026')).toBe('2026-09-01')
    expect(parseDateText('1 Mei 2026')).toBe('2026-05-01')
    expect(parseDateText('1 May 2026')).toBe('2026-05-01')
  })

  it('refuses what is not a real day', () => {
    for (const typed of ['', '30 Feb 2026', '31/04/2026', '2026-02-29', '3 Xyz 2026', '3 De 2026', '12/2026', 'besok', '3 Des']) {
      expect(parseDateText(typed), typed).toBeNull()
    }
    expect(parseDateText('29 Feb 2028')).toBe('2028-02-29')
  })

  it('shows and reads times on a 24-hour clock with the language’s separator', () => {
    expect(timeText('07:26:00', 'id')).toBe('07.26')
    expect(timeText('07:26', 'en')).toBe('07:26')
    expect(timeText('', 'en')).toBe('')
    for (const [typed, time] of [['7.26', '07:26'], ['07:26', '07:26'], ['0726', '07:26'], ['726', '07:26'], ['7', '07:00'], ['19.05', '19:05'], ['00.00', '00:00'], ['23:59', '23:59']] as const) {
      expect(parseTimeText(typed), typed).toBe(time)
    }
    for (const typed of ['24.00', '7.60', '7:5', 'pagi', '', '12345', '7 pm']) expect(parseTimeText(typed), typed).toBeNull()
  })

  it('reads a month as people write it, in either language', () => {
    for (const typed of ['Desember 2026', 'des 2026', 'December 2026', 'Dec 2026', '12/2026', '12-2026', '2026-12']) expect(parseMonthText(typed), typed).toBe('2026-12')
    expect(parseMonthText('Agt 2026')).toBe('2026-08')
    for (const typed of ['13/2026', '2026-13', 'Xyz 2026', 'Desember', '']) expect(parseMonthText(typed), typed).toBeNull()
  })

  it('draws a month as whole weeks from Monday, with the neighbouring days marked', () => {
    const december = calendarPage('2026-12')
    expect(december[0]).toEqual({ date: '2026-11-30', inMonth: false })
    expect(december.at(-1)).toEqual({ date: '2027-01-03', inMonth: false })
    expect(december.length % 7).toBe(0)
    expect(december.filter((d) => d.inMonth)).toHaveLength(31)
    // February 2027 starts on a Monday and ends on a Sunday: exactly four weeks.
    expect(calendarPage('2027-02')).toHaveLength(28)
    expect(weekdayNames('id')[0]).toBe('Sen')
    expect(weekdayNames('en')[6]).toBe('Sun')
    expect(monthTitle('2026-12', 'id')).toBe('Desember 2026')
  })
})

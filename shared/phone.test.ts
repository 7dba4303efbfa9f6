import { describe, expect, it } from 'vitest'
import { whatsAppLink, whatsAppNumber } from './phone'

describe('whatsAppNumber', () => {
  it('reads the ways Indonesians write a mobile number', () => {
    expect(whatsAppNumber('0812-3456-7890')).toBe('6281234567890')
    expect(whatsAppNumber('+62 812 3456 7890')).toBe('6281234567890')
    expect(whatsAppNumber('62 812 3456 7890')).toBe('6281234567890')
    expect(whatsAppNumber('0062 812 3456 7890')).toBe('6281234567890')
    expect(whatsAppNumber('812 3456 7890')).toBe('6281234567890')
    expect(whatsAppNumber('+60 12-345 6789')).toBe('60123456789')
  })

  it('gives no number for what cannot be one', () => {
    expect(whatsAppNumber(null)).toBeNull()
    expect(whatsAppNumber('')).toBeNull()
    expect(whatsAppNumber('123')).toBeNull()
    expect(whatsAppNumber('call the office')).toBeNull()
  })
})

describe('whatsAppLink', () => {
  it('fills the message in, to the person when the number is known', () => {
    expect(whatsAppLink('Halo & selamat', '081234567890')).toBe('https://wa.me/6281234567890?text=Halo%20%26%20selamat')
    expect(whatsAppLink('Halo')).toBe('https://wa.me/?text=Halo')
  })
})

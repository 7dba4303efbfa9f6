/**
 * A phone number as WhatsApp's click-to-chat wants it (https://wa.me/<number>): digits only, with the country code.
 * Indonesian habits are understood: "0812-3456-789" and "+62 812 3456 789" are both 628123456789; a number that cannot
 * be one (too short, letters) gives null, and the share link then lets the sender choose the chat.
 */
export function whatsAppNumber(phone: string | null | undefined, countryCode = '62'): string | null {
  if (!phone || /[a-z]/i.test(phone)) return null
  let digits = phone.replace(/\D/g, '')
  if (phone.trim().startsWith('+')) {
    // already international
  } else if (digits.startsWith('00')) digits = digits.slice(2)
  else if (digits.startsWith('0')) digits = countryCode + digits.slice(1)
  else if (!digits.startsWith(countryCode)) digits = countryCode + digits
  return digits.length >= 10 && digits.length <= 15 ? digits : null
}

/** A WhatsApp share link with the message filled in: to the person's own chat when their number is known. */
export function whatsAppLink(text: string, phone?: string | null): string {
  const number = whatsAppNumber(phone)
  return `https://wa.me/${number ?? ''}?text=${encodeURIComponent(text)}`
}

import { i18n } from '~/modules/i18n'

/** "Siti Rahma" -> "SR": avatars without photos. */
export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean)
  const letters = parts.length > 1 ? [parts[0]![0], parts[parts.length - 1]![0]] : [parts[0]?.[0], parts[0]?.[1]]
  return letters.filter(Boolean).join('').toUpperCase() || '?'
}

/** System roles are translated; a custom role shows the name its organization gave it. */
export function roleLabel(role: { key: string; name?: string } | string): string {
  const key = typeof role === 'string' ? role : role.key
  const path = `roles.${key}.name`
  if (i18n.global.te(path)) return i18n.global.t(path)
  return typeof role === 'string' ? role : (role.name ?? role.key)
}

import { eq, sql } from 'drizzle-orm'
import type { Tx } from '../../db/client'
import { users } from '../../db/schema'
import { hashSecret } from '../../auth/crypto'
import { email, pgText } from '../../../shared/validation'

export { email }
export const password = pgText(200, { min: 8, minMessage: 'At least 8 characters', maxMessage: 'At most 200 characters' })

export async function findUserByEmail(tx: Tx, address: string) {
  const [user] = await tx
    .select()
    .from(users)
    .where(eq(sql`lower(${users.email})`, address.toLowerCase()))
  return user ?? null
}

export async function createUser(tx: Tx, input: { name: string; email?: string | null; phone?: string | null; password?: string }) {
  const [user] = await tx
    .insert(users)
    .values({
      name: input.name,
      email: input.email ?? null,
      phone: input.phone ?? null,
      passwordHash: input.password ? await hashSecret(input.password) : null,
    })
    .returning()
  if (!user) throw new Error('user insert returned nothing')
  return user
}

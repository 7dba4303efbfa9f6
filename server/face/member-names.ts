// The names a face match answers with (/api/face/verify), per organization: read from the database at a member's
// first match, then kept, so a capture costs no name query. Dropped for an organization whenever a name in it may have
// changed (features/faces/faces.names.ts: at once on the instance that renamed, through NOTIFY on the others), and when
// the face index evicts the organization. Like the index, a read that an invalidation overtook is never kept.

export class MemberNameCache {
  private readonly organizations = new Map<number, Map<number, string>>()
  private readonly generations = new Map<number, number>()

  /**
   * The member's name: cached, or read with `read` and kept unless the organization's names were invalidated while it
   * was being read (its answer may then predate the change; the next match reads again). A member without a name
   * (null: gone meanwhile) is not kept.
   */
  async get(organizationId: number, memberId: number, read: () => Promise<string | null>): Promise<string | null> {
    const known = this.organizations.get(organizationId)?.get(memberId)
    if (known !== undefined) return known
    const generation = this.generation(organizationId)
    const name = await read()
    if (name !== null && this.generation(organizationId) === generation) {
      let names = this.organizations.get(organizationId)
      if (!names) {
        names = new Map()
        this.organizations.set(organizationId, names)
      }
      names.set(memberId, name)
    }
    return name
  }

  /** Drops the organization's names; reads started before this call are not kept. */
  invalidate(organizationId: number): void {
    this.generations.set(organizationId, this.generation(organizationId) + 1)
    this.organizations.delete(organizationId)
  }

  /** Drops every organization's names. */
  clear(): void {
    for (const id of [...this.organizations.keys()]) this.invalidate(id)
  }

  /** Number of names kept, over every organization. */
  get size(): number {
    let n = 0
    for (const names of this.organizations.values()) n += names.size
    return n
  }

  private generation(organizationId: number): number {
    return this.generations.get(organizationId) ?? 0
  }
}

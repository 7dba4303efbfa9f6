// A position is validated with the schema the dashboard's structure editor shares (shared/organization/structure.ts).
export { positionInput, positionPatch } from '../../../shared/organization/structure'

// A location is validated with the schema the dashboard's structure editor shares (shared/organization/structure.ts).
export { locationInput, locationPatch } from '../../../shared/organization/structure'

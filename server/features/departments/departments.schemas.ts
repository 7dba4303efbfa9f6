// A department is validated with the schema the dashboard's structure editor shares (shared/organization/structure.ts).
export { departmentInput, departmentPatch } from '../../../shared/organization/structure'

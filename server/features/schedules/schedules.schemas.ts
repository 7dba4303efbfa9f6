// A work schedule is validated with the schema the dashboard's structure editor shares (shared/organization/structure.ts).
export { scheduleInput, schedulePatch } from '../../../shared/organization/structure'

// The settings an admin may change are validated with the schema the dashboard's forms share
// (shared/organization/settings.ts: fields, ranges, defaults).
export { settingsPatch } from '../../../shared/organization/settings'

// The one-time setup wizard, one chunk ("setup").
export { default as SetupWizard } from '~/views/setup/SetupWizard.vue'

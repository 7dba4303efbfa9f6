// The shared face vocabulary the browser side uses (re-exported so views import from one place).
export type { FaceBox, FaceQualityResult, FaceQualityReason } from '@shared/face/quality'
export type { LivenessDirection, LivenessState, Point } from '@shared/face/liveness'

export { audit, auditLauncher, resolveLaunchers, resolveBaitKinds, DEFAULT_TIMEOUT_MS, PARENT_SIGNALS } from './audit.ts';
export type { AuditOptions } from './audit.ts';
export { judge, errorResult } from './judge.ts';
export { restoreDispositions, signalDispositions, type Dispositions } from './dispositions.ts';
export type { JudgeContext, JudgedLauncher } from './judge.ts';
export { sealedPolicyFindings } from './policy.ts';
export type { Finding, FindingKind, PolicyOptions } from './policy.ts';
export type * from './types.ts';

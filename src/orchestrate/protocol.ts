/** What a kernel-matrix worker hands back to `fdaudit run`: one JSON file per personality. */
import type { PassOutcome } from './pass.ts';

export const WORKER_SCHEMA = 'fdaudit/run-worker@1';

export interface WorkerOutput extends PassOutcome {
  schema: typeof WORKER_SCHEMA;
}

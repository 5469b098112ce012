/** The benchmark: scenarios, the bench.json report, charts and tables. */
export { runBench, parseScenarios, benchHost } from './run.ts';
export type { BenchOptions, BenchOutput } from './run.ts';
export { renderCharts } from './charts.ts';
export type { Chart } from './charts.ts';
export { renderBenchTables } from './table.ts';
export { evaluateTargets } from './targets.ts';
export { BENCH_SCHEMA, SCENARIOS } from './types.ts';
export type { BenchReport, BenchRow, BenchTarget, BenchHost, BenchRatios, ScenarioName } from './types.ts';

/** Reporters: pure functions from audit results and test records to text and files. */
export type { TestRecord, TestStatus, TestCounts, ReportFormat, ColorOption } from './types.ts';
export { REPORT_FORMATS } from './types.ts';
export { colorEnabled } from './color.ts';
export { verdict, type Verdict, type VerdictWord } from './cells.ts';
export { orderLaunchers, orderKernels, sortResults } from './order.ts';
export { renderTerminal, formatTestCounts, type TerminalOptions } from './table.ts';
export { overviewRows, type Overview } from './overview.ts';
export { AUDIT_SCHEMA, buildAuditReport, countTests, serializeAuditReport } from './audit-json.ts';
export { hostFacts } from './host.ts';
export { renderJunit, junitTestName, junitClassName, type JunitOptions } from './junit.ts';
export { escapeXmlAttr, escapeXmlText } from './xml.ts';
export { escapeMarkdownCell, renderSummary, writeStepSummary } from './markdown.ts';
export { annotationLine, escapeCommandData, escapeCommandProperty, githubAnnotations, inGithubActions } from './github.ts';
export { Progress, type ProgressOptions, type ProgressStream } from './progress.ts';
export { REPORT_FILES, writeReports, type WriteReportsOptions, type WrittenReports } from './write.ts';

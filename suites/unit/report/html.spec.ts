import { test } from '@japa/runner';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { AuditReport, BaitVerdict } from '../../../src/audit/types.ts';
import { renderCharts } from '../../../src/bench/charts.ts';
import type { BenchReport } from '../../../src/bench/types.ts';
import { CHART_FILES, scopeSvgIds, writeHtmlReport } from '../../../src/html/index.ts';
import { serializeAuditReport } from '../../../src/report/audit-json.ts';
import { formatDuration } from '../../../src/report/cells.ts';
import { mergeReports } from '../../../src/report/merge.ts';
import { xmlProblem } from '../../fixtures/html/xml.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/html/', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync',
];
const NO_CHROMIUM = !existsSync(CHROMIUM);
const SKIP_REASON = `${CHROMIUM} is missing (Debian package chromium; .ci/run installs it)`;

const fixtureAudit = (): AuditReport => JSON.parse(readFileSync(join(FIXTURES, 'audit.json'), 'utf8')) as AuditReport;
const fixtureBench = (): BenchReport => JSON.parse(readFileSync(join(FIXTURES, 'bench.json'), 'utf8')) as BenchReport;

/** A report directory as `run` + `bench` leave it: audit.json, bench.json and the rendered charts. */
async function reportDir(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'fdaudit-html-'));
  cpSync(join(FIXTURES, 'audit.json'), join(dir, 'audit.json'));
  cpSync(join(FIXTURES, 'bench.json'), join(dir, 'bench.json'));
  for (const chart of await renderCharts(fixtureBench())) writeFileSync(join(dir, chart.file), chart.svg);
  return dir;
}

/** What the matrix must show for one bait, worked out from audit.json's own fields. */
function expectedBait(b: BaitVerdict): { symbol: string; tone: string; fd: number | null } {
  if (b.expected === 'absent') return b.crossed ? { symbol: '✗', tone: 'bad', fd: b.childFd } : { symbol: '✓', tone: 'good', fd: null };
  return b.crossed ? { symbol: '→', tone: 'good', fd: b.childFd } : { symbol: '○', tone: 'warn', fd: null };
}

test.group('html report: the page as a file', (group) => {
  let dir = '';
  group.each.setup(async () => {
    dir = await reportDir();
    return () => rmSync(dir, { recursive: true, force: true });
  });

  test('writes one self-contained index.html and nothing else', async ({ assert }) => {
    const before = readdirSync(dir).sort();
    const path = writeHtmlReport(dir);
    assert.equal(path, join(dir, 'index.html'));
    assert.deepEqual(readdirSync(dir).sort(), [...before, 'index.html'].sort());
    const html = readFileSync(path, 'utf8');
    // Nothing to fetch: no external scripts, styles, images or fonts.
    assert.notMatch(html, /<(script|link|img|iframe)[^>]+(src|href)=["']?(https?:)?\/\//i);
    assert.notMatch(html, /@import|url\(\s*['"]?https?:/i);
    assert.include(html, "default-src 'none'");
    for (const f of CHART_FILES) assert.include(html, `data-chart="${f}"`);
  });

  test('escapes launcher ids and reasons from audit.json', ({ assert }) => {
    const html = readFileSync(writeHtmlReport(dir), 'utf8');
    assert.include(html, 'ext:&lt;python&gt;');
    assert.notInclude(html, 'ext:<python>');
  });

  test('says what is missing instead of failing: no audit.json, garbage audit.json, no bench.json', ({ assert }) => {
    rmSync(join(dir, 'audit.json'));
    let html = readFileSync(writeHtmlReport(dir), 'utf8');
    assert.include(html, 'audit.json does not exist');
    assert.notInclude(html, 'id="matrix"');
    assert.include(html, 'data-chart="bench-memory.svg"');

    writeFileSync(join(dir, 'audit.json'), '{"schema":"fdaudit/audit@1","results":[{"launcher":1}]}');
    html = readFileSync(writeHtmlReport(dir), 'utf8');
    assert.include(html, 'is not a fdaudit/audit@1 report');

    writeFileSync(join(dir, 'audit.json'), '{ truncated');
    html = readFileSync(writeHtmlReport(dir), 'utf8');
    assert.include(html, 'could not be read');

    rmSync(join(dir, 'bench.json'));
    html = readFileSync(writeHtmlReport(dir), 'utf8');
    assert.include(html, 'bench.json does not exist');
    assert.notInclude(html, 'data-chart=');
  });

  test('refuses a directory that does not exist, and a non-string', ({ assert }) => {
    assert.throws(() => writeHtmlReport(join(dir, 'nope')), /does not exist/);
    assert.throws(() => writeHtmlReport(42 as unknown as string), /non-empty string/);
    assert.notInclude(readdirSync(dir), 'index.html');
  });

  test('chart ids are scoped per chart, so two charts cannot share a clip path', ({ assert }) => {
    const svg = '<svg><defs><clipPath id="clip1"/></defs><g clip-path="url(#clip1)"><use href="#clip1"/></g></svg>';
    const scoped = scopeSvgIds(svg, 'c2');
    assert.equal(scoped, '<svg><defs><clipPath id="c2-clip1"/></defs><g clip-path="url(#c2-clip1)"><use href="#c2-clip1"/></g></svg>');
    assert.isNull(xmlProblem(scoped));
  });
});

test.group('html report: in headless Chromium', (group) => {
  let dir = '';
  let browser: Browser | undefined;
  let page: Page;
  let problems: string[] = [];

  group.setup(async () => {
    if (!NO_CHROMIUM) {
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    }
    return async () => {
      await browser?.close();
    };
  });

  group.each.setup(async () => {
    if (!browser) return async () => {};
    dir = await reportDir();
    writeHtmlReport(dir);
    page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    problems = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file://')) problems.push(`network request: ${r.url()}`);
    });
    await page.goto(`file://${join(dir, 'index.html')}`, { waitUntil: 'load' });
    return async () => {
      await page.close();
      rmSync(dir, { recursive: true, force: true });
    };
  });

  test('loads with no console errors and no network requests; a screenshot is taken', async ({ assert }) => {
    assert.equal(await page.title(), 'fdaudit report');
    const shot = join(dir, 'screenshot.png');
    await page.screenshot({ path: shot, fullPage: true });
    const png = readFileSync(shot);
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.isAbove(png.length, 10_000);
    // Negative control: a console error raised on purpose is seen by the same listener.
    assert.deepEqual(problems, []);
    await page.evaluate(() => console.error('control'));
    assert.deepEqual(problems, ['console error: control']);
  }).skip(NO_CHROMIUM, SKIP_REASON);

  test('every matrix row and cell matches audit.json', async ({ assert }) => {
    const audit = fixtureAudit();
    const rows = page.locator('#matrix tbody tr');
    assert.equal(await rows.count(), audit.results.length);
    for (const r of audit.results) {
      const row = page.locator(`#matrix tbody tr[data-launcher="${r.launcher}"][data-kernel="${r.kernel}"]`);
      assert.equal(await row.count(), 1, `${r.launcher}/${r.kernel}`);
      assert.equal(await row.locator('th').first().evaluate((th) => th.firstChild?.textContent), r.launcher);
      assert.equal((await row.locator('[data-col="status"]').textContent())?.trim(), r.status.toUpperCase());
      // Every row, errors included, shows its launch time; a skipped one (nothing launched) shows "-".
      assert.equal((await row.locator('[data-col="duration"]').textContent())?.trim(), formatDuration(r.durationMs), `${r.launcher}/${r.kernel} duration`);
      if (r.status === 'error' || r.status === 'skipped') {
        assert.equal((await row.locator('td.reason').textContent())?.trim(), r.error);
        continue;
      }
      for (const b of r.baits) {
        const cell = row.locator(`td[data-bait="${b.kind}"]`);
        const want = expectedBait(b);
        const text = (await cell.textContent())?.trim() ?? '';
        assert.isTrue(text.startsWith(want.symbol), `${r.launcher}/${r.kernel} ${b.kind}: '${text}' should start with ${want.symbol}`);
        if (want.fd !== null) assert.include(text, String(want.fd));
        assert.include((await cell.getAttribute('class')) ?? '', want.tone, `${r.launcher}/${r.kernel} ${b.kind}`);
      }
      const extra = (await row.locator('[data-col="extra"]').textContent())?.trim() ?? '';
      if (r.extraFds.length === 0) assert.equal(extra, '✓');
      else for (const e of r.extraFds) assert.include(extra, String(e.fd));
      const soft = (await row.locator('[data-col="soft"]').textContent()) ?? '';
      assert.include(soft, String(r.rlimitNofile?.soft));
      assert.equal((await row.locator('[data-col="strategy"]').textContent())?.trim(), r.closeStrategy ?? '-');
    }
  }).skip(NO_CHROMIUM, SKIP_REASON);

  test('filters by launcher, kernel, verdict and bait hide exactly what they name', async ({ assert }) => {
    const audit = fixtureAudit();
    const visible = async (): Promise<string[]> =>
      page.locator('#matrix tbody tr:visible').evaluateAll((trs) =>
        trs.map((tr) => (tr as unknown as { dataset: Record<string, string> }).dataset).map((d) => `${d.launcher}/${d.kernel}`));
    const all = audit.results.map((r) => `${r.launcher}/${r.kernel}`);
    assert.sameMembers(await visible(), all);
    assert.equal(await page.locator('#shown').textContent(), `${all.length} of ${all.length} results shown`);

    await page.locator('input[name="launcher"][value="native"]').uncheck();
    assert.sameMembers(await visible(), audit.results.filter((r) => r.launcher !== 'native').map((r) => `${r.launcher}/${r.kernel}`));
    await page.locator('input[name="kernel"][value="host"]').uncheck();
    assert.sameMembers(await visible(), audit.results.filter((r) => r.launcher !== 'native' && r.kernel !== 'host').map((r) => `${r.launcher}/${r.kernel}`));
    await page.locator('input[name="status"][value="leak"]').uncheck();
    assert.sameMembers(await visible(), audit.results
      .filter((r) => r.launcher !== 'native' && r.kernel !== 'host' && r.status !== 'leak').map((r) => `${r.launcher}/${r.kernel}`));

    await page.locator('button[data-all="launcher"]').click();
    await page.locator('button[data-all="kernel"]').click();
    await page.locator('button[data-all="status"]').click();
    assert.sameMembers(await visible(), all);

    // Bait columns: header and every cell of the column go, the other columns stay.
    assert.isTrue(await page.locator('#matrix thead th[data-bait="pipe"]').isVisible());
    await page.locator('input[name="bait"][value="pipe"]').uncheck();
    assert.isFalse(await page.locator('#matrix thead th[data-bait="pipe"]').isVisible());
    assert.equal(await page.locator('#matrix td[data-bait="pipe"]:visible').count(), 0);
    assert.isAbove(await page.locator('#matrix td[data-bait="file"]:visible').count(), 0);
    await page.locator('button[data-none="status"]').click();
    assert.deepEqual(await visible(), []);
    assert.equal(await page.locator('#shown').textContent(), `0 of ${all.length} results shown`);
    assert.deepEqual(problems, []);
  }).skip(NO_CHROMIUM, SKIP_REASON);

  test('the charts are inline SVG with drawn marks, and the targets are shown', async ({ assert }) => {
    for (const file of CHART_FILES) {
      const svg = page.locator(`figure[data-chart="${file}"] svg`);
      assert.equal(await svg.count(), 1, file);
      const box = await svg.boundingBox();
      assert.isAbove(box?.width ?? 0, 200, file);
      assert.isAbove(box?.height ?? 0, 100, file);
      assert.isAbove(await svg.locator('path').count(), 3, file);
    }
    const bench = fixtureBench();
    assert.equal(await page.locator('li.target').count(), bench.targets.length);
    for (const t of bench.targets) {
      const li = page.locator(`li.target[data-target="${t.id}"]`);
      assert.equal((await li.locator('.badge').textContent())?.trim(), t.met ? 'met' : 'missed');
    }
    const measured = bench.rows.length;
    assert.equal(await page.locator('table.bench tbody tr').count(), measured);
  }).skip(NO_CHROMIUM, SKIP_REASON);
});

/** What the pivot's cell for a launcher and column must say: the worst verdict of its results there. */
function expectedPivot(audit: AuditReport, launcher: string, host: string | null, kernel: string): string {
  const rank: Record<string, number> = { sealed: 0, skipped: 1, leak: 2, error: 3 };
  const here = audit.results.filter((r) => r.launcher === launcher && r.kernel === kernel && (r.host ?? null) === host);
  if (here.length === 0) return '·';
  return here.reduce((w, r) => (rank[r.status]! > rank[w.status]! ? r : w)).status.toUpperCase();
}

/** Pivot links whose target is not a row of the matrix; empty when every link lands. */
async function danglingLinks(page: Page): Promise<string[]> {
  // Runs in the page (a string, since this file is type-checked without the DOM library).
  return page.evaluate(`(() => {
    const out = [];
    document.querySelectorAll('#pivot a[href^="#"]').forEach((a) => {
      const id = decodeURIComponent((a.getAttribute('href') || '').slice(1));
      const target = document.getElementById(id);
      if (!target || !target.closest('#matrix')) out.push(id);
    });
    return out;
  })()`);
}

test.group('html report: the pivot of verdicts, in headless Chromium', (group) => {
  let browser: Browser | undefined;
  let dir = '';
  let page: Page;
  let problems: string[] = [];

  group.setup(async () => {
    if (!NO_CHROMIUM) {
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    }
    return async () => {
      await browser?.close();
    };
  });

  group.each.setup(async () => {
    if (!browser) return async () => {};
    dir = mkdtempSync(join(tmpdir(), 'fdaudit-pivot-'));
    page = await browser.newPage({ viewport: { width: 1300, height: 700 } });
    problems = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    return async () => {
      await page.close();
      rmSync(dir, { recursive: true, force: true });
    };
  });

  const open = async (report: AuditReport): Promise<AuditReport> => {
    writeFileSync(join(dir, 'audit.json'), serializeAuditReport(report));
    await page.goto(`file://${writeHtmlReport(dir)}`, { waitUntil: 'load' });
    return JSON.parse(readFileSync(join(dir, 'audit.json'), 'utf8')) as AuditReport;
  };

  test('a single run: the pivot comes first, one row per launcher, one column per kernel, verdicts from audit.json', async ({ assert }) => {
    const audit = await open(fixtureAudit());
    const order = await page.locator('body > section').evaluateAll((ss) => ss.map((x) => (x as unknown as { id: string }).id));
    assert.deepEqual(order.slice(0, 3), ['verdicts', 'host', 'audit']);
    const kernels = await page.locator('#pivot thead th.kernel').allTextContents();
    assert.sameMembers(kernels, [...new Set(audit.results.map((r) => r.kernel))]);
    const launchers = [...new Set(audit.results.map((r) => r.launcher))];
    assert.equal(await page.locator('#pivot tbody tr').count(), launchers.length);
    for (const l of launchers) {
      const cells = await page.locator(`#pivot tbody tr[data-launcher="${l}"] td`).allTextContents();
      assert.deepEqual(cells.map((c) => c.trim()), kernels.map((k) => expectedPivot(audit, l, null, k)), l);
    }
    assert.deepEqual(await danglingLinks(page), []);
    // Negative control: a row that loses its id leaves a link dangling, and the check sees it.
    await page.locator('#matrix tbody tr').first().evaluate((tr) => tr.removeAttribute('id'));
    assert.lengthOf(await danglingLinks(page), 1);
    assert.deepEqual(problems, []);
  }).skip(NO_CHROMIUM, SKIP_REASON);

  test('a verdict link lands on its row, even when the filters had hidden it', async ({ assert }) => {
    await open(fixtureAudit());
    const link = page.locator('#pivot tbody tr[data-launcher="mutant:fd-setsize-fallback"] td[data-kernel="linux-5.8"] a');
    const id = decodeURIComponent(((await link.getAttribute('href')) ?? '').slice(1));
    const row = page.locator(`#matrix tbody tr[data-launcher="mutant:fd-setsize-fallback"][data-kernel="linux-5.8"]`);
    assert.equal(await row.getAttribute('id'), id);

    await page.locator('input[name="launcher"][value="mutant:fd-setsize-fallback"]').uncheck();
    assert.isFalse(await row.isVisible(), 'the filter hides the row first');
    await link.click();
    await page.waitForFunction(`location.hash.slice(1) === ${JSON.stringify(encodeURI(id))}`);
    await page.waitForFunction(`!document.getElementById(${JSON.stringify(id)}).hidden`);
    assert.isTrue(await row.isVisible());
    assert.isTrue(await row.evaluate((tr) => tr.matches(':target')));
    assert.isTrue(await page.locator('input[name="launcher"][value="mutant:fd-setsize-fallback"]').isChecked());
    const box = await row.boundingBox();
    assert.isTrue(box !== null && box.y >= 0 && box.y < 700, `the row is in view (y=${box?.y})`);
    assert.deepEqual(problems, []);
  }).skip(NO_CHROMIUM, SKIP_REASON);

  test('a merged report: hosts over kernels in the header, a host column and a host filter in the matrix', async ({ assert }) => {
    const base = fixtureAudit();
    const one = (name: string, kernel: string): AuditReport => ({
      ...base,
      host: { ...base.host, name },
      results: base.results.filter((r) => r.kernel === 'host' || r.kernel === kernel),
    });
    const { report } = mergeReports([
      { file: 'a/audit.json', report: one('ci-a', 'linux-5.8'), records: null },
      { file: 'b/audit.json', report: one('ci-b', 'no-proc'), records: null },
    ]);
    const audit = await open(report);
    assert.deepEqual(await page.locator('#pivot thead th.host').allTextContents(), ['ci-a', 'ci-b']);
    assert.deepEqual(await page.locator('#pivot thead th.host').evaluateAll((ths) => ths.map((th) => th.getAttribute('colspan'))), ['2', '2']);
    assert.deepEqual(await page.locator('#pivot thead th.kernel').allTextContents(), ['host', 'linux-5.8', 'host', 'no-proc']);
    const columns: [string, string][] = [['ci-a', 'host'], ['ci-a', 'linux-5.8'], ['ci-b', 'host'], ['ci-b', 'no-proc']];
    for (const l of [...new Set(audit.results.map((r) => r.launcher))]) {
      const cells = await page.locator(`#pivot tbody tr[data-launcher="${l}"] td`).allTextContents();
      assert.deepEqual(cells.map((c) => c.trim()), columns.map(([h, k]) => expectedPivot(audit, l, h, k)), l);
    }
    assert.deepEqual(await danglingLinks(page), []);
    assert.equal(await page.locator('#matrix thead th', { hasText: /^host$/ }).count(), 1);
    assert.include(await page.locator('#merge').textContent() ?? '', 'No conflicts, no duplicates.');

    const visibleHosts = async (): Promise<string[]> =>
      page.locator('#matrix tbody tr:visible').evaluateAll((trs) => [...new Set(trs.map((tr) => (tr as unknown as { dataset: Record<string, string> }).dataset.host ?? ''))]);
    assert.sameMembers(await visibleHosts(), ['ci-a', 'ci-b']);
    await page.locator('input[name="host"][value="ci-a"]').uncheck();
    assert.deepEqual(await visibleHosts(), ['ci-b']);
    assert.deepEqual(problems, []);
  }).skip(NO_CHROMIUM, SKIP_REASON);
});

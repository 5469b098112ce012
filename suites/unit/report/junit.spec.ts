import { test } from '@japa/runner';
import { junitClassName, junitTestName, renderJunit } from '../../../src/report/junit.ts';
import type { TestRecord } from '../../../src/report/types.ts';
import { escapeXmlAttr, escapeXmlText, xmlSafe } from '../../../src/report/xml.ts';
import { RECORDS } from './golden/fixtures.ts';
import { checkGolden } from './golden/golden.ts';

/* ---------- a small strict XML 1.0 reader, enough to prove junit.xml well-formed ---------- */

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Character data directly inside the element, references decoded. */
  text: string;
}

const isXmlChar = (cp: number): boolean =>
  cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
  (cp >= 0x10000 && cp <= 0x10ffff);
const NAME = /[A-Za-z_:][A-Za-z0-9._:-]*/y;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function parseXml(raw: string): XmlElement {
  // End-of-line handling (XML 1.0 §2.11) happens before parsing: CR LF and lone CR become LF.
  const src = raw.replace(/\r\n?/g, '\n');
  for (const ch of src) {
    const cp = ch.codePointAt(0) as number;
    if (!isXmlChar(cp)) throw new SyntaxError(`character U+${cp.toString(16)} is not allowed in XML 1.0`);
  }
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at offset ${i}: ${JSON.stringify(src.slice(i, i + 30))}`);
  };
  const skipSpace = (): void => {
    while (/[ \t\r\n]/.test(src[i] ?? '')) i++;
  };
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(src);
    if (!m) fail('expected a name');
    i += (m as RegExpExecArray)[0].length;
    return (m as RegExpExecArray)[0];
  };
  const reference = (): string => {
    const end = src.indexOf(';', i);
    if (end < 0) fail('unterminated reference');
    const body = src.slice(i + 1, end);
    let out: string;
    if (/^#[0-9]+$/.test(body) || /^#x[0-9a-fA-F]+$/.test(body)) {
      const cp = body[1] === 'x' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      if (!isXmlChar(cp)) fail(`reference to a forbidden character &${body};`);
      out = String.fromCodePoint(cp);
    } else {
      out = PREDEFINED[body] ?? fail(`undeclared entity &${body};`);
    }
    i = end + 1;
    return out;
  };
  const misc = (): void => {
    for (;;) {
      skipSpace();
      if (src.startsWith('<!--', i)) {
        const end = src.indexOf('-->', i + 4);
        if (end < 0 || src.slice(i + 4, end).includes('--')) fail('bad comment');
        i = end + 3;
      } else return;
    }
  };
  const element = (): XmlElement => {
    if (src[i] !== '<') fail('expected <');
    i++;
    const el: XmlElement = { name: name(), attrs: {}, children: [], text: '' };
    for (;;) {
      const hadSpace = /[ \t\r\n]/.test(src[i] ?? '');
      skipSpace();
      if (src.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (src[i] === '>') {
        i++;
        break;
      }
      if (!hadSpace) fail('attributes must be separated by white space');
      const attr = name();
      if (attr in el.attrs) fail(`duplicate attribute ${attr}`);
      skipSpace();
      if (src[i] !== '=') fail('expected =');
      i++;
      skipSpace();
      const quote = src[i];
      if (quote !== '"' && quote !== "'") fail('expected a quoted value');
      i++;
      let value = '';
      while (src[i] !== quote) {
        const c = src[i];
        if (c === undefined) fail('unterminated attribute value');
        if (c === '<') fail('< in an attribute value');
        if (c === '&') value += reference();
        else {
          // Attribute-value normalisation: literal white space becomes a space.
          value += /[\t\r\n]/.test(c as string) ? ' ' : c;
          i++;
        }
      }
      i++;
      el.attrs[attr] = value;
    }
    for (;;) {
      if (src.startsWith('</', i)) {
        i += 2;
        const close = name();
        if (close !== el.name) fail(`</${close}> closes <${el.name}>`);
        skipSpace();
        if (src[i] !== '>') fail('expected >');
        i++;
        return el;
      }
      if (src.startsWith('<!--', i)) {
        misc();
        continue;
      }
      if (src.startsWith('<![CDATA[', i)) {
        const end = src.indexOf(']]>', i);
        if (end < 0) fail('unterminated CDATA');
        el.text += src.slice(i + 9, end);
        i = end + 3;
        continue;
      }
      const c = src[i];
      if (c === undefined) fail(`<${el.name}> is not closed`);
      if (c === '<') el.children.push(element());
      else if (c === '&') el.text += reference();
      else {
        if (src.startsWith(']]>', i)) fail(']]> in character data');
        el.text += c;
        i++;
      }
    }
  };

  if (src.startsWith('<?xml')) {
    const end = src.indexOf('?>');
    if (end < 0 || !/^<\?xml version="1\.[0-9]+"( encoding="[A-Za-z][A-Za-z0-9._-]*")?\s*\?>$/.test(src.slice(0, end + 2))) {
      fail('bad XML declaration');
    }
    i = end + 2;
  }
  misc();
  const root = element();
  misc();
  if (i !== src.length) fail('content after the root element');
  return root;
}

const childrenNamed = (el: XmlElement, name: string): XmlElement[] => el.children.filter((c) => c.name === name);
const num = (el: XmlElement, attr: string): number => Number(el.attrs[attr]);

/** Parses junit.xml and checks every count against the testcases it holds. */
function checkJunitShape(xml: string): XmlElement[] {
  const root = parseXml(xml);
  if (root.name !== 'testsuites') throw new Error(`root is <${root.name}>`);
  const cases: XmlElement[] = [];
  let tests = 0, failures = 0, skipped = 0;
  for (const suite of root.children) {
    if (suite.name !== 'testsuite') throw new Error(`<${suite.name}> inside <testsuites>`);
    const tc = childrenNamed(suite, 'testcase');
    if (tc.length !== suite.children.length) throw new Error('a testsuite holds something other than testcases');
    const f = tc.filter((c) => childrenNamed(c, 'failure').length === 1).length;
    const s = tc.filter((c) => childrenNamed(c, 'skipped').length === 1).length;
    if (num(suite, 'tests') !== tc.length || num(suite, 'failures') !== f || num(suite, 'skipped') !== s || num(suite, 'errors') !== 0) {
      throw new Error(`counts of suite ${suite.attrs.name} do not match its testcases`);
    }
    if (!/^\d+\.\d{3}$/.test(suite.attrs.time ?? '')) throw new Error('suite time is not seconds');
    for (const c of tc) {
      if (!c.attrs.name || !c.attrs.classname || !/^\d+\.\d{3}$/.test(c.attrs.time ?? '')) {
        throw new Error('testcase without name, classname or time');
      }
    }
    tests += tc.length;
    failures += f;
    skipped += s;
    cases.push(...tc);
  }
  if (num(root, 'tests') !== tests || num(root, 'failures') !== failures || num(root, 'skipped') !== skipped) {
    throw new Error('testsuites totals do not match');
  }
  return cases;
}

const record = (over: Partial<TestRecord>): TestRecord => ({
  name: 'native › pipe', file: 'suites/audit/a.spec.ts', launcher: 'native', kernel: 'host', bait: 'pipe',
  status: 'failed', durationMs: 5, ...over,
});

test.group('report: junit.xml', () => {
  test('matches the golden file', ({ assert }) => {
    const check = checkGolden('junit.xml', renderJunit(RECORDS));
    assert.isTrue(check.ok, check.problem ?? '');
  });

  test('parses back as XML in JUnit shape, one testcase per record, counts consistent', ({ assert }) => {
    const xml = renderJunit(RECORDS);
    const cases = checkJunitShape(xml);
    assert.equal(cases.length, RECORDS.length);
    const root = parseXml(xml);
    assert.equal(num(root, 'tests'), 7);
    assert.equal(num(root, 'failures'), 2);
    assert.equal(num(root, 'skipped'), 1);
    assert.deepEqual(
      root.children.map((s) => s.attrs.name),
      [
        'suites/audit/launchers.spec.ts [host]', 'suites/audit/launchers.spec.ts [linux-5.8]',
        'suites/audit/user.spec.ts [host]', 'suites/audit/mutants.spec.ts [linux-5.8]', 'suites/unit/config.spec.ts',
      ],
    );
  });

  test('the XML reader is strict: it rejects what CI parsers reject', ({ assert }) => {
    const bad = [
      '<a>&</a>', '<a>x & y</a>', '<a b="<"/>', '<a><b></a>', '<a>\u0001</a>', '<a b="1" b="2"/>', '<a/><b/>',
      '<a>&#1;</a>', '<a>&nbsp;</a>', '<a>]]></a>', '<a b="1"c="2"/>', '<a>', '<a b=1/>', '<a>\ud800</a>',
    ];
    for (const doc of bad) {
      let error: unknown = null;
      try {
        parseXml(doc);
      } catch (e) {
        error = e;
      }
      assert.instanceOf(error, SyntaxError, `accepted ${JSON.stringify(doc)}`);
    }
    assert.deepEqual(parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<a b="x&#10;y"> &lt;&amp;&#x41;</a>').attrs, { b: 'x\ny' });
    assert.equal(parseXml('<a>&lt;&amp;&#x41;&#65;</a>').text, '<&AA');
  });

  test('testcase names carry launcher › bait and the kernel; classname is launcher/kernel or the file', ({ assert }) => {
    assert.equal(junitTestName(record({})), 'native › pipe [host]');
    assert.equal(junitTestName(record({ name: 'seals it' })), 'native › pipe › seals it [host]');
    assert.equal(junitTestName(record({ name: 'native › pipe [host]' })), 'native › pipe [host]');
    assert.equal(junitClassName(record({})), 'native/host');
    assert.equal(junitClassName({ name: 'x', file: 'suites/unit/x.spec.ts', status: 'passed', durationMs: 0 }), 'suites/unit/x.spec.ts');
    const cases = checkJunitShape(renderJunit(RECORDS));
    assert.equal(cases[0]?.attrs.name, 'node:spawn › pipe [host]');
    assert.equal(cases[0]?.attrs.classname, 'node:spawn/host');
    assert.equal(cases[0]?.attrs.time, '0.042');
  });

  test('failures carry the assertion message; skips carry the reason', ({ assert }) => {
    const cases = checkJunitShape(renderJunit(RECORDS));
    const failed = cases.find((c) => c.attrs.name === 'ext:mine › high-fd [host]');
    const failure = failed && childrenNamed(failed, 'failure')[0];
    const message = 'ext:mine leaked high-fd fd 1500 -> child fd 1500 (/tmp/bait "a" & <b>)\nexpected sealed';
    assert.equal(failure?.attrs.message, message);
    assert.equal(failure?.text, message);
    const passed = cases.find((c) => c.attrs.name === 'native › pipe [host]');
    assert.deepEqual(passed?.children, [], 'a passed testcase has no failure');
    const skipped = cases.find((c) => c.attrs.name === 'ext:python-subprocess › pipe [host]');
    assert.equal(skipped && childrenNamed(skipped, 'skipped')[0]?.attrs.message, 'python3 not found in PATH');
  });

  test('escaping: quotes, <, >, &, ]]>, newlines, tabs, control characters, surrogates', ({ assert }) => {
    const nasty = 'a "q" \'s\' <tag> & ]]> end\r\nline2\ttab nul\u0000 bel\u0007 esc\u001b[31mred\u001b[39m lone\ud800 ff\ufffe ok😀';
    const expected = 'a "q" \'s\' <tag> & ]]> end\r\nline2\ttab nul\\u0000 bel\\u0007 escred lone\\ud800 ff\\ufffe ok😀';
    assert.equal(xmlSafe(nasty), expected);
    const xml = renderJunit([record({ name: `weird ${nasty}`, message: nasty }), record({ status: 'skipped', message: nasty })]);
    const cases = checkJunitShape(xml);
    const failure = childrenNamed(cases[0] as XmlElement, 'failure')[0];
    // Attributes survive with their line breaks and tabs, because they are written as references.
    assert.equal(failure?.attrs.message, expected);
    // Element content keeps CR as a reference, so the reader gets it back unchanged.
    assert.equal(failure?.text, expected);
    assert.include(cases[0]?.attrs.name ?? '', 'weird a "q"');
    assert.equal(childrenNamed(cases[1] as XmlElement, 'skipped')[0]?.attrs.message, expected);
    assert.equal(escapeXmlAttr('<"&\'>\n'), '&lt;&quot;&amp;&apos;&gt;&#10;');
    assert.equal(escapeXmlText('a]]>b<&\r\n'), 'a]]&gt;b&lt;&amp;&#13;\n');
    assert.equal(parseXml('<a b="x\r\ny">1\r\n2\r3</a>').text, '1\n2\n3', 'the reader normalises line ends like real parsers');
  });

  test('a missing message still gives a failure element; a timestamp is written only when given', ({ assert }) => {
    const xml = renderJunit([record({ message: undefined })]);
    const failure = childrenNamed(checkJunitShape(xml)[0] as XmlElement, 'failure')[0];
    assert.equal(failure?.attrs.message, 'failed');
    assert.notInclude(xml, 'timestamp=');
    const stamped = parseXml(renderJunit([record({})], { timestamp: new Date('2026-11-28T04:00:00.123Z') }));
    assert.equal(stamped.children[0]?.attrs.timestamp, '2026-11-28T04:00:00');
  });

  test('an empty run is still a valid document; a bad status is a TypeError', ({ assert }) => {
    const root = parseXml(renderJunit([]));
    assert.equal(root.name, 'testsuites');
    assert.equal(num(root, 'tests'), 0);
    assert.throws(() => renderJunit([record({ status: 'broken' as 'passed' })]), TypeError, /status "broken"/);
  });
});

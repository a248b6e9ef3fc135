// The bounded XML parser: what it reads, and what it refuses with which code.
import { describe, expect, it } from 'vitest';
import { AecgError, AecgErrorCode } from './errors.js';
import { child, descendants, parseXml, xsiType } from './xml.js';

const code = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    if (err instanceof AecgError) return err.code;
    throw err;
  }
  return 'ok';
};

describe('parseXml', () => {
  it('elements, attributes in both quote styles, entities, character references, CDATA, comments, PIs', () => {
    const root = parseXml(`<?xml version="1.0"?>
<!-- a comment with <tags> -->
<a xmlns:xsi="urn:x" x='1 &amp; 2' y="&#x3C;&#60;&quot;">
  <b xsi:type="PQ" value="2.5"/>
  <c>t1 &lt;&gt; <![CDATA[<raw & stuff>]]><?pi ignored?> t2</c>
</a>`);
    expect(root.name).toBe('a');
    expect(root.attrs.get('x')).toBe('1 & 2');
    expect(root.attrs.get('y')).toBe('<<"');
    const b = child(root, 'b');
    expect(b === undefined ? undefined : xsiType(b)).toBe('PQ');
    expect(child(root, 'c')?.text).toBe('t1 <> <raw & stuff> t2');
  });

  it('qualified names keep their prefix in name and drop it in local', () => {
    const root = parseXml('<v3:AnnotatedECG xmlns:v3="urn:hl7-org:v3"><v3:component/></v3:AnnotatedECG>');
    expect(root.local).toBe('AnnotatedECG');
    expect(descendants(root, 'component')).toHaveLength(1);
  });

  it('a DOCTYPE without internal subset is skipped; an internal subset (entity declarations) is refused', () => {
    expect(parseXml('<!DOCTYPE a SYSTEM "http://127.0.0.1/never-fetched.dtd"><a/>').name).toBe('a');
    const laughs = '<!DOCTYPE a [<!ENTITY l "lol"><!ENTITY l2 "&l;&l;&l;&l;">]><a>&l2;</a>';
    expect(code(() => parseXml(laughs))).toBe(AecgErrorCode.XML_DTD);
    const xxe = '<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>';
    expect(code(() => parseXml(xxe))).toBe(AecgErrorCode.XML_DTD);
    expect(code(() => parseXml('<a>&x;</a>'))).toBe(AecgErrorCode.XML_SYNTAX);
  });

  it.each([
    ['<a><b></a>', AecgErrorCode.XML_SYNTAX],
    ['<a>', AecgErrorCode.XML_SYNTAX],
    ['<a/><b/>', AecgErrorCode.XML_SYNTAX],
    ['text<a/>', AecgErrorCode.XML_SYNTAX],
    ['<a x="1" x="2"/>', AecgErrorCode.XML_SYNTAX],
    ['<a x=1/>', AecgErrorCode.XML_SYNTAX],
    ['<a x="<"/>', AecgErrorCode.XML_SYNTAX],
    ['<a>&#0;</a>', AecgErrorCode.XML_SYNTAX],
    ['<a>&#xD800;</a>', AecgErrorCode.XML_SYNTAX],
    ['<a>& b</a>', AecgErrorCode.XML_SYNTAX],
    ['<!-- never closed', AecgErrorCode.XML_SYNTAX],
    ['<a><![CDATA[ open</a>', AecgErrorCode.XML_SYNTAX],
    ['<a <b/>', AecgErrorCode.XML_SYNTAX],
    ['', AecgErrorCode.XML_SYNTAX],
    ['<!ELEMENT a ANY><a/>', AecgErrorCode.XML_SYNTAX],
  ])('%j is refused with %s', (xml, want) => {
    expect(code(() => parseXml(xml))).toBe(want);
  });

  it('depth, element count, attribute count and size are bounded', () => {
    expect(code(() => parseXml('<a>'.repeat(200) + '</a>'.repeat(200)))).toBe(AecgErrorCode.XML_LIMIT);
    expect(code(() => parseXml('<a>'.repeat(50) + '</a>'.repeat(50), { maxDepth: 20 }))).toBe(AecgErrorCode.XML_LIMIT);
    expect(code(() => parseXml(`<a>${'<b/>'.repeat(101)}</a>`, { maxElements: 100 }))).toBe(AecgErrorCode.XML_LIMIT);
    expect(code(() => parseXml(`<a ${Array.from({ length: 65 }, (_, i) => `a${i}="1"`).join(' ')}/>`))).toBe(AecgErrorCode.XML_LIMIT);
    expect(code(() => parseXml(`<a>${'x'.repeat(2000)}</a>`, { maxChars: 1000 }))).toBe(AecgErrorCode.XML_LIMIT);
    // A deep but allowed document: no recursion, so no stack overflow either.
    expect(descendants(parseXml('<a>'.repeat(100) + '</a>'.repeat(100)), 'a')).toHaveLength(99);
  });
});

// A small, bounded, non-validating XML parser for HL7 aECG files (no XML library is installed and a
// full one would bring DTDs and external entities we must never process). It builds a compact tree:
// elements, attributes, text (entities and CDATA resolved), comments and processing instructions
// skipped. A DOCTYPE without an internal subset is skipped unread; one with a subset is refused, so
// no entity is ever declared, expanded or fetched (XML 1.0 §4.2 entities other than the five
// predefined ones and character references are an error here).
import { AecgError, AecgErrorCode } from './errors.js';

/** One element. `name` is the qualified name as written, `local` the part after any prefix. */
export interface XmlElement {
  name: string;
  local: string;
  attrs: ReadonlyMap<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element (not its children's). */
  text: string;
}

/** Bounds of one parse. Defaults suit aECG files of 24 h Holter size. */
export interface XmlLimits {
  /** Maximum document size in characters (default 256 Mi). */
  maxChars?: number;
  /** Maximum element nesting depth (default 100). */
  maxDepth?: number;
  /** Maximum number of elements whatever the size (default 4 000 000). */
  maxElements?: number;
  /**
   * Elements allowed per input character on top of `baseElements` (default 1/64). Real aECG files
   * are mostly sample digits: the shared examples hold ~300 characters per element, the writer's
   * output with many measurements ~60, so 64 leaves room while an "element bomb" (15 MiB of
   * `<a/>`, 4 characters per element) is refused by the pre-scan before any element is built.
   */
  elementsPerChar?: number;
  /** Elements any document may have regardless of its size (header, annotations; default 16 384). */
  baseElements?: number;
  /** Maximum attributes on one element (default 64). */
  maxAttributes?: number;
}

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.\u00B7\u00C0-\uFFFF]*/;

/** Decodes bytes by their BOM (UTF-16 LE/BE) or as UTF-8; invalid sequences become U+FFFD. */
export function decodeXmlBytes(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  return new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '');
}

function fail(code: AecgErrorCode, msg: string, at: number): never {
  throw new AecgError(code, `${msg} at offset ${at}`);
}

/** Resolves the five predefined entities and character references; anything else is an error. */
export function decodeEntities(s: string, at = 0): string {
  if (!s.includes('&')) return s;
  return s.replace(/&([^;&\s]{0,12});?/g, (m, ref: string) => {
    if (!m.endsWith(';')) fail(AecgErrorCode.XML_SYNTAX, `unterminated entity reference "${m}"`, at);
    const pre = PREDEFINED[ref];
    if (pre !== undefined) return pre;
    const num = /^#(x[0-9A-Fa-f]{1,6}|[0-9]{1,7})$/.exec(ref);
    if (num !== null) {
      const body = num[1] ?? '';
      const cp = body.startsWith('x') ? parseInt(body.slice(1), 16) : parseInt(body, 10);
      if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) fail(AecgErrorCode.XML_SYNTAX, `bad character reference "${m}"`, at);
      return String.fromCodePoint(cp);
    }
    return fail(AecgErrorCode.XML_SYNTAX, `undeclared entity "${m}" (DTD entities are never expanded)`, at);
  });
}

function parseAttributes(src: string, at: number, max: number): Map<string, string> {
  const attrs = new Map<string, string>();
  const re = /\s*([^\s=/>]+)\s*=\s*("([^"]*)"|'([^']*)')/gy;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(src);
    if (m === null) fail(AecgErrorCode.XML_SYNTAX, 'malformed attribute', at + pos);
    const name = m[1] ?? '';
    if (!NAME.test(name)) fail(AecgErrorCode.XML_SYNTAX, `bad attribute name "${name.slice(0, 40)}"`, at + pos);
    if (attrs.has(name)) fail(AecgErrorCode.XML_SYNTAX, `duplicate attribute "${name}"`, at + pos);
    const raw = m[3] ?? m[4] ?? '';
    if (raw.includes('<')) fail(AecgErrorCode.XML_SYNTAX, '"<" in attribute value', at + pos);
    attrs.set(name, decodeEntities(raw, at + pos));
    if (attrs.size > max) fail(AecgErrorCode.XML_LIMIT, `more than ${max} attributes`, at);
    pos = re.lastIndex;
  }
  return attrs;
}

function localName(name: string): string {
  const i = name.indexOf(':');
  return i < 0 ? name : name.slice(i + 1);
}

/** The element budget of a document of `chars` characters: proportional to its size, capped by maxElements. */
export function elementBudget(chars: number, limits: XmlLimits = {}): number {
  const perChar = limits.elementsPerChar ?? 1 / 64;
  return Math.min(limits.maxElements ?? 4_000_000, (limits.baseElements ?? 16_384) + Math.floor(chars * perChar));
}

/**
 * Counts start tags ("<" then a name character) up to `budget`, without building anything: a
 * document with more is refused before the tree costs memory (an element object is ~300 bytes, so
 * 4 M of them were 1.3 GB). Returns the offset of the first start tag past the budget, or -1.
 */
function overBudgetAt(text: string, budget: number): number {
  let n = 0;
  for (let i = text.indexOf('<'); i >= 0; i = text.indexOf('<', i + 1)) {
    const c = text.charCodeAt(i + 1);
    // "/", "!" and "?" open end tags, comments/CDATA/DOCTYPE and processing instructions.
    if (c !== 47 && c !== 33 && c !== 63 && ++n > budget) return i;
  }
  return -1;
}

/** Parses a whole document and returns its root element. Throws AecgError with an XML code. */
export function parseXml(text: string, limits: XmlLimits = {}): XmlElement {
  const maxChars = limits.maxChars ?? 256 * 1024 * 1024;
  const maxDepth = limits.maxDepth ?? 100;
  const maxElements = elementBudget(text.length, limits);
  const maxAttributes = limits.maxAttributes ?? 64;
  if (text.length > maxChars) fail(AecgErrorCode.XML_LIMIT, `document of ${text.length} chars exceeds ${maxChars}`, 0);
  const over = overBudgetAt(text, maxElements);
  if (over >= 0) fail(AecgErrorCode.XML_LIMIT, `more than ${maxElements} elements for ${text.length} chars`, over);

  const stack: { el: XmlElement; parts: string[] }[] = [];
  let root: XmlElement | null = null;
  let elements = 0;
  // Attributes are Map entries (~100 bytes each): bounded in total too, not only per element.
  const maxAttributesTotal = 4 * maxElements;
  let attributes = 0;
  let pos = 0;
  const addText = (s: string, at: number): void => {
    const top = stack[stack.length - 1];
    if (top === undefined) {
      if (s.trim() !== '') fail(AecgErrorCode.XML_SYNTAX, 'text outside the root element', at);
      return;
    }
    top.parts.push(s);
  };

  while (pos < text.length) {
    const lt = text.indexOf('<', pos);
    if (lt < 0) { addText(decodeEntities(text.slice(pos), pos), pos); break; }
    if (lt > pos) addText(decodeEntities(text.slice(pos, lt), pos), pos);
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      if (end < 0) fail(AecgErrorCode.XML_SYNTAX, 'unterminated comment', lt);
      pos = end + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      if (end < 0) fail(AecgErrorCode.XML_SYNTAX, 'unterminated CDATA', lt);
      if (stack.length === 0) fail(AecgErrorCode.XML_SYNTAX, 'CDATA outside the root element', lt);
      addText(text.slice(lt + 9, end), lt);
      pos = end + 3;
    } else if (text.startsWith('<?', lt)) {
      const end = text.indexOf('?>', lt + 2);
      if (end < 0) fail(AecgErrorCode.XML_SYNTAX, 'unterminated processing instruction', lt);
      pos = end + 2;
    } else if (text.startsWith('<!DOCTYPE', lt)) {
      if (root !== null || stack.length > 0) fail(AecgErrorCode.XML_SYNTAX, 'DOCTYPE after the root element', lt);
      const end = text.indexOf('>', lt);
      if (end < 0) fail(AecgErrorCode.XML_SYNTAX, 'unterminated DOCTYPE', lt);
      // An internal subset may declare entities; we refuse rather than process any DTD.
      if (text.slice(lt, end).includes('[')) fail(AecgErrorCode.XML_DTD, 'DOCTYPE internal subset refused', lt);
      pos = end + 1;
    } else if (text.startsWith('<!', lt)) {
      fail(AecgErrorCode.XML_SYNTAX, 'unsupported markup declaration', lt);
    } else if (text.startsWith('</', lt)) {
      const end = text.indexOf('>', lt);
      if (end < 0) fail(AecgErrorCode.XML_SYNTAX, 'unterminated end tag', lt);
      const name = text.slice(lt + 2, end).trim();
      const top = stack.pop();
      if (top === undefined || top.el.name !== name) fail(AecgErrorCode.XML_SYNTAX, `unexpected end tag </${name.slice(0, 40)}>`, lt);
      top.el.text = top.parts.join('');
      pos = end + 1;
    } else {
      const end = findTagEnd(text, lt);
      const selfClosing = text[end - 1] === '/';
      const inner = text.slice(lt + 1, selfClosing ? end - 1 : end);
      const m = NAME.exec(inner);
      if (m === null) fail(AecgErrorCode.XML_SYNTAX, 'bad element name', lt);
      const name = m[0];
      if (root !== null && stack.length === 0) fail(AecgErrorCode.XML_SYNTAX, 'second root element', lt);
      if (++elements > maxElements) fail(AecgErrorCode.XML_LIMIT, `more than ${maxElements} elements`, lt);
      const attrs = parseAttributes(inner.slice(name.length), lt, maxAttributes);
      if ((attributes += attrs.size) > maxAttributesTotal) fail(AecgErrorCode.XML_LIMIT, `more than ${maxAttributesTotal} attributes in all`, lt);
      const el: XmlElement = { name, local: localName(name), attrs, children: [], text: '' };
      const parent = stack[stack.length - 1];
      if (parent === undefined) root = el; else parent.el.children.push(el);
      if (!selfClosing) {
        if (stack.length >= maxDepth) fail(AecgErrorCode.XML_LIMIT, `nesting deeper than ${maxDepth}`, lt);
        stack.push({ el, parts: [] });
      }
      pos = end + 1;
    }
  }
  if (stack.length > 0) fail(AecgErrorCode.XML_SYNTAX, `unclosed element <${stack[stack.length - 1]?.el.name ?? ''}>`, text.length);
  if (root === null) fail(AecgErrorCode.XML_SYNTAX, 'no root element', 0);
  return root;
}

/** Index of the ">" closing the start tag at `lt`, skipping quoted attribute values. */
function findTagEnd(text: string, lt: number): number {
  let quote = '';
  for (let i = lt + 1; i < text.length; i++) {
    const c = text[i];
    if (quote !== '') { if (c === quote) quote = ''; continue; }
    if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
    else if (c === '<') fail(AecgErrorCode.XML_SYNTAX, 'unterminated start tag', lt);
  }
  return fail(AecgErrorCode.XML_SYNTAX, 'unterminated start tag', lt);
}

/** First child element with this local name, or undefined. */
export function child(el: XmlElement | undefined, local: string): XmlElement | undefined {
  return el?.children.find((c) => c.local === local);
}

/** All child elements with this local name. */
export function childrenNamed(el: XmlElement | undefined, local: string): XmlElement[] {
  return el === undefined ? [] : el.children.filter((c) => c.local === local);
}

/** Follows a path of local names through first children. */
export function path(el: XmlElement | undefined, ...locals: string[]): XmlElement | undefined {
  let cur = el;
  for (const l of locals) cur = child(cur, l);
  return cur;
}

/** Every descendant (depth first, document order) with this local name ("*": all); iterative, so deep trees cannot blow the stack. */
export function descendants(el: XmlElement, local: string): XmlElement[] {
  const out: XmlElement[] = [];
  const todo: XmlElement[] = [...el.children].reverse();
  while (todo.length > 0) {
    const e = todo.pop() as XmlElement;
    if (local === '*' || e.local === local) out.push(e);
    for (let i = e.children.length - 1; i >= 0; i--) todo.push(e.children[i] as XmlElement);
  }
  return out;
}

/** The xsi:type of an element (any prefix bound to the schema-instance namespace is accepted by name). */
export function xsiType(el: XmlElement): string | undefined {
  // The value may itself be qualified ("v3:SLIST_PQ"); the type name is what matters.
  for (const [k, v] of el.attrs) if (k === 'xsi:type' || k.endsWith(':type')) return v.slice(v.indexOf(':') + 1);
  return undefined;
}

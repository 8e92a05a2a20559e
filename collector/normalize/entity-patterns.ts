import { isIP } from 'node:net';
import { parse as parseDomain } from 'tldts';
import { ENTITY_LIMITS, type EntityType } from '../../model/entities.js';

/**
 * Finding entities in one string. Every pattern is linear: character classes
 * that exclude their own delimiter, repetition counts bounded, no nested
 * unbounded quantifier (tests/unit/extract-entities.test.ts times hostile
 * shapes). Candidates are then checked by real parsers: WHATWG URL,
 * node:net isIP, the public suffix list (tldts).
 */

/** scheme://… up to whitespace, quotes or brackets; trailing punctuation of the sentence is cut after. */
const URL_RE = /\b[a-z][a-z0-9+.-]{0,15}:\/\/[^\s<>"'`{}|\\^[\]]{1,2048}/gi;
/** local@domain: the local part whole (not a tail of a longer word), labels delimited by dots. */
const EMAIL_RE = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,63}(?![A-Za-z0-9-]|\.[A-Za-z0-9])/g;
/** Ingest's pseudonym of an address (collector/redact/pseudonyms.ts). */
const EMAIL_PSEUDONYM_RE = /\[EMAIL:[0-9a-f]{16}\]/g;
/** A dotted name standing alone (not inside an address, a path or a longer name), in any script: IDNA comes after. */
const HOST_RE = /(?<![\p{L}\p{N}.@/\\_-])(?:[\p{L}\p{N}-]{1,63}\.){1,8}\p{L}[\p{L}\p{N}-]{1,62}(?![\p{L}\p{N}_@-]|\.[\p{L}\p{N}])/gu;
/** Not the IPv4 tail of an IPv6 address (`::ffff:1.2.3.4`), which IPV6_RE reads whole. */
const IPV4_RE = /(?<![\d.])(?<![0-9A-Fa-f]:)(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d)/g;
/** Hex, colons and dots (an IPv4 tail), at least two colons: checked by isIP. */
const IPV6_RE = /(?<![0-9A-Fa-f:.])(?=[0-9A-Fa-f.]{0,4}:[0-9A-Fa-f.]{0,4}:)[0-9A-Fa-f:.]{2,45}(?:%[0-9A-Za-z_.]{1,15})?/g;
/** POSIX paths: `/a/b`, `~/a`, `./a`, `../a`; not the path of a URL (preceded by its host) nor a fraction. */
const POSIX_PATH_RE = /(?<![\w/:.~\\%-])(?:~|\.{1,2})?(?:\/[\w.@+,=~-]{1,255}){1,32}\/?/g;
const WINDOWS_PATH_RE = /(?<![\w])[A-Za-z]:\\(?:[\w.@+~$-]{1,255}\\){0,32}[\w.@+~$-]{0,255}/g;

/** Names a file more often than a host: trusted from URLs and host fields, not when they stand alone in text. */
const FILE_SUFFIXES = new Set([
  'md', 'py', 'sh', 'rs', 'pl', 'so', 'zip', 'mov', 'rar', 'cab', 'gz', 'exe', 'bat', 'ps', 'ai', 'csv', 'json', 'yaml', 'yml',
  'txt', 'log', 'ini', 'cfg', 'conf', 'lock', 'toml', 'xml', 'html', 'htm', 'php', 'rb', 'go', 'java', 'kt', 'swift', 'cc', 'cpp',
  'hh', 'sql', 'db', 'png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'tar', 'tgz',
  'js', 'ts', 'mjs', 'cjs', 'jsx', 'tsx', 'css', 'scss', 'map', 'wasm', 'bin', 'dll', 'app', 'dev', 'env', 'pem', 'key', 'crt', 'mp3', 'mp4',
]);
/** Suffixes of names in no public list that investigators still meet: RFC 2606/6761 and private networks. */
const PRIVATE_SUFFIXES = new Set(['example', 'test', 'invalid', 'localhost', 'internal', 'local', 'lan', 'corp', 'home', 'intranet', 'onion']);

export type Sink = (value: string) => boolean;

export interface Sinks {
  host: Sink;
  url: Sink;
  email: Sink;
  ip: Sink;
  path: Sink;
}

/** Every entity in `text` to its sink; a sink answers false when its type is full, which ends that pattern's scan. */
export function scanText(text: string, sinks: Sinks): void {
  // each pattern needs a character most text lacks: a search for it is far cheaper than the pattern (measured ~8x on plain prose)
  const dot = text.includes('.');
  const colon = text.includes(':');
  const slash = text.includes('/');
  if (colon && slash) {
    each(URL_RE, text, (m) => {
      const url = normalizeUrl(m.replace(/[.,;:!?)\]}'"]+$/, ''));
      if (url === null) return true;
      const host = hostOfUrl(url);
      if (host !== null) (isIP(host) ? sinks.ip : sinks.host)(host);
      return sinks.url(url.href);
    });
  }
  if (text.includes('@') && dot) {
    each(EMAIL_RE, text, (m) => {
      const at = m.lastIndexOf('@');
      const domain = normalizeHost(m.slice(at + 1));
      if (domain === null || FILE_SUFFIXES.has(domain.slice(domain.lastIndexOf('.') + 1))) return true;
      const local = m.slice(0, at);
      if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return true;
      return sinks.email(`${local.toLowerCase()}@${domain}`);
    });
  }
  if (text.includes('[EMAIL:')) each(EMAIL_PSEUDONYM_RE, text, (m) => sinks.email(m));
  if (dot) {
    each(HOST_RE, text, (m) => {
      const host = normalizeHost(m);
      if (host === null || !knownSuffix(host) || FILE_SUFFIXES.has(host.slice(host.lastIndexOf('.') + 1))) return true;
      return sinks.host(host);
    });
    each(IPV4_RE, text, (m) => (isIP(m) === 4 ? sinks.ip(m) : true));
  }
  if (colon) {
    each(IPV6_RE, text, (m) => {
      const ip = normalizeIp(m);
      return ip === null || !ip.includes(':') ? true : sinks.ip(ip);
    });
  }
  if (slash) each(POSIX_PATH_RE, text, (m) => (m.length >= 2 ? sinks.path(m) : true));
  if (colon && text.includes('\\')) each(WINDOWS_PATH_RE, text, (m) => (m.length > 3 ? sinks.path(m) : true));
}

function each(re: RegExp, text: string, found: (match: string) => boolean): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (!found(m[0])) break;
  }
  re.lastIndex = 0;
}

/** WHATWG URL, credentials removed (a token in `user:pass@` is no pivot, and must not be copied out); null if it does not parse with a host. */
export function normalizeUrl(text: string): URL | null {
  if (text.length > ENTITY_LIMITS.maxValueLength) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.hostname === '') return null;
  url.username = '';
  url.password = '';
  return url;
}

/** The URL's host as a host entity: bracketless IPv6, no trailing dot. */
export function hostOfUrl(url: URL): string | null {
  const h = url.hostname;
  if (h.startsWith('[')) return normalizeIp(h.slice(1, -1));
  // already lowercase and IDNA, an IPv4 address in its canonical form: the URL parser wrote it
  const bare = h.replace(/\.+$/, '');
  return isIP(bare) ? bare : hostName(bare);
}

/** Lowercase, IDNA (punycode) via the URL parser, trailing dots dropped; null for anything that is no host name. */
/**
 * A value a person typed, as ingest stores that type (model/entities.ts), so
 * a lookup compares like with like: a host lowercase and punycode, an IP in
 * its canonical form, a URL as WHATWG writes it, a clear address lowercase
 * (a pseudonym `[EMAIL:<hex>]` as it is), a path or command trimmed. What
 * does not parse is kept, so it finds what is stored as typed (or nothing).
 */
export function normalizeEntityValue(type: EntityType, raw: string): string {
  switch (type) {
    case 'host':
      return normalizeHost(raw) ?? raw.toLowerCase();
    case 'ip':
      return normalizeIp(raw.trim()) ?? raw;
    case 'url':
      return normalizeUrl(raw)?.href ?? raw;
    case 'email':
      return /^\[EMAIL:[0-9a-f]{16}\]$/.test(raw) ? raw : raw.trim().toLowerCase();
    default:
      return raw.trim();
  }
}

export function normalizeHost(text: string): string | null {
  const trimmed = text.trim().replace(/\.+$/, '');
  if (trimmed === '' || trimmed.length > 253 || /[\s/\\?#@:[\]]/.test(trimmed)) return null;
  if (isIP(trimmed)) return trimmed;
  let host: string;
  try {
    host = new URL(`http://${trimmed}/`).hostname;
  } catch {
    return null;
  }
  return hostName(host);
}

/** A parsed host that is a name: the URL parser reads `1.2` or `0x7f.1` as IPv4, so a name has a letter in its last label. */
function hostName(host: string): string | null {
  if (host === '' || host.startsWith('[') || isIP(host)) return null;
  const labels = host.split('.');
  if (labels.some((l) => l === '' || l.length > 63 || l.startsWith('-') || l.endsWith('-'))) return null;
  if (!/[a-z]/.test(labels[labels.length - 1])) return null;
  return host;
}

/** A canonical address: IPv4 as given (isIP refuses leading zeros), IPv6 compressed lowercase by the URL parser, zone dropped. */
export function normalizeIp(text: string): string | null {
  const bare = text.replace(/%.*$/, '');
  const v = isIP(bare);
  if (v === 4) return bare;
  if (v !== 6) return null;
  try {
    return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
}

/** A host value standing alone in text counts under a public suffix (ICANN list) or a private-use one. */
function knownSuffix(host: string): boolean {
  if (!host.includes('.')) return false;
  const parsed = parseDomain(host, { allowPrivateDomains: false });
  return parsed.isIcann === true || PRIVATE_SUFFIXES.has(host.slice(host.lastIndexOf('.') + 1));
}

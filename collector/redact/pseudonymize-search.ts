import type { RedactionRules } from './compile-rules.js';

/**
 * A search as the ledger holds its text: every value a pseudonymising
 * detector finds (an email address) becomes the pseudonym `organizationId`'s
 * entries carry, so `q=jane.doe@example.com` finds `[EMAIL:3f9a…]`. The
 * rest of the text is left as it is (a secret typed into a search is not
 * stored, and redacting it would only make the search find nothing).
 * Returns the text unchanged when no detector pseudonymises.
 */
export function pseudonymizeSearch(text: string, rules: RedactionRules | null, organizationId: string): string {
  if (!rules?.enabled || !rules.searchText) return text;
  const searchText = rules.searchText;
  const tally = { count: 0, uncounted: 0, pseudonym: rules.pseudonymsOf(organizationId) };
  // A `-` that starts a term excludes it (model/search-query.ts); an address may hold `-`, so keep it out of the match.
  return text.replace(/(^|\s)(-?)(\S+)/g, (_, space: string, minus: string, term: string) => space + minus + searchText.redact(term, tally));
}

/** Whether the text holds a value that would be pseudonymised (a superuser's search cannot say for which organization). */
export function holdsPseudonymized(text: string, rules: RedactionRules | null): boolean {
  if (!rules?.enabled || !rules.searchText) return false;
  const tally = { count: 0, uncounted: 0, pseudonym: () => '' };
  rules.searchText.redact(text, tally);
  return tally.count > 0;
}

/**
 * The query language's text (model/query-language.ts) with every clear
 * address replaced by the organization's pseudonym, as a quoted value so the
 * grammar reads it as one (`inputs.to:a@b.example` becomes
 * `inputs.to:"[EMAIL:…]"`); inside a quoted phrase it stays inside it.
 */
export function pseudonymizeQueryText(text: string, rules: RedactionRules | null, organizationId: string): string {
  if (!rules?.enabled || !rules.searchText) return text;
  const tally = { count: 0, uncounted: 0, pseudonym: rules.pseudonymsOf(organizationId) };
  // Quoted phrases (with their escapes) and the text between them, in turn.
  return text.replace(/("(?:[^"\\]|\\.)*"?)|[^"]+/g, (part, quoted: string | undefined) => {
    const rewritten = rules.searchText!.redact(part, tally);
    if (quoted !== undefined || rewritten === part) return rewritten;
    return rewritten.replace(PSEUDONYM, (p) => `"${p}"`);
  });
}

/** A wildcard next to an `@`: part of an address, which the ledger holds only as a whole address's pseudonym. */
export function hasPartialAddressWildcard(text: string): boolean {
  return /\*[^\s"()]*@|@[^\s"()]*\*/.test(text);
}

const PSEUDONYM = /\[[A-Z_]+:[0-9a-f]+\]/g;

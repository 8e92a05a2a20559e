import { createToken, EmbeddedActionsParser, Lexer, type IToken, type TokenType } from 'chevrotain';

/**
 * The `query` language's syntax (KQL-like), parsed with Chevrotain (a
 * maintained parser library: a declared lexer and an LL(k) grammar, no
 * regular-expression parsing of the whole text). This module only reads the
 * text into a syntax tree; query-language.ts gives it meaning (fields,
 * types, limits) and stores translate that, never the text.
 *
 *   query    := or
 *   or       := and (OR and)*
 *   and      := not ((AND)? not)*          implicit AND between clauses
 *   not      := NOT not | primary
 *   primary  := '(' or ')' | clause | value (a bare word or "phrase": full text, as `q`)
 *   clause   := FIELD ':' value | FIELD ':' range | FIELD (>= | <= | > | <) value
 *   range    := ('[' | '{') value TO value (']' | '}')     [ ] inclusive, { } exclusive, * open
 *
 * AND / OR / NOT / TO are keywords in any case. Values are words (a
 * backslash escapes the next character: `\:`, `\*`, `\(`, `\"`, `\\`) or
 * "quoted phrases" (only `\"` and `\\` escapes). An unescaped `*` in a word
 * is a wildcard; in quotes it is a star.
 */

/** A value as written: the literal pieces between its unescaped `*` (one piece: no wildcard). */
export interface SyntaxValue {
  pieces: string[];
  quoted: boolean;
  /** 1-based character position in the query. */
  column: number;
}

export type CompareOp = 'gt' | 'gte' | 'lt' | 'lte';

export type SyntaxNode =
  | { type: 'and' | 'or'; children: SyntaxNode[] }
  | { type: 'not'; child: SyntaxNode; column: number }
  | { type: 'text'; value: SyntaxValue }
  | { type: 'match'; field: string; column: number; value: SyntaxValue }
  | { type: 'compare'; field: string; column: number; op: CompareOp; value: SyntaxValue }
  | {
      type: 'range';
      field: string;
      column: number;
      lower: SyntaxValue | null;
      upper: SyntaxValue | null;
      includeLower: boolean;
      includeUpper: boolean;
    };

/** A query that cannot be parsed or used: the message follows the parameter's name; `column` is 1-based. */
export class QuerySyntaxError extends Error {
  override name = 'QuerySyntaxError';
  constructor(
    readonly reason: string,
    readonly column: number | null,
  ) {
    super(column === null ? reason : `${reason} (at column ${column})`);
  }
}

const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /\s+/, group: Lexer.SKIPPED });
const LParen = createToken({ name: 'LParen', pattern: /\(/, label: '`(`' });
const RParen = createToken({ name: 'RParen', pattern: /\)/, label: '`)`' });
const LBracket = createToken({ name: 'LBracket', pattern: /\[/, label: '`[`' });
const RBracket = createToken({ name: 'RBracket', pattern: /\]/, label: '`]`' });
const LBrace = createToken({ name: 'LBrace', pattern: /\{/, label: '`{`' });
const RBrace = createToken({ name: 'RBrace', pattern: /\}/, label: '`}`' });
const Colon = createToken({ name: 'Colon', pattern: /:/, label: '`:`' });
const Gte = createToken({ name: 'Gte', pattern: />=/, label: '`>=`' });
const Lte = createToken({ name: 'Lte', pattern: /<=/, label: '`<=`' });
const Gt = createToken({ name: 'Gt', pattern: />/, label: '`>`' });
const Lt = createToken({ name: 'Lt', pattern: /</, label: '`<`' });
const Quoted = createToken({ name: 'Quoted', pattern: /"(?:[^"\\]|\\[\s\S])*"/, label: 'a quoted phrase' });
/** Anything up to a space or a character of the syntax; `\x` takes x literally. */
const Word = createToken({ name: 'Word', pattern: /(?:[^\s():<>[\]{}"\\]|\\[\s\S])+/, label: 'a word' });
const keyword = (name: string) =>
  createToken({ name, pattern: new RegExp(`${name}(?![^\\s():<>[\\]{}"\\\\])`, 'i'), longer_alt: Word, label: `\`${name}\`` });
const And = keyword('AND');
const Or = keyword('OR');
const Not = keyword('NOT');
const To = keyword('TO');

const TOKENS: TokenType[] = [WhiteSpace, LParen, RParen, LBracket, RBracket, LBrace, RBrace, Colon, Gte, Lte, Gt, Lt, Quoted, And, Or, Not, To, Word];
const lexer = new Lexer(TOKENS, { positionTracking: 'onlyOffset', ensureOptimizations: false });

const column = (t: IToken) => t.startOffset + 1;

/** A word's pieces around its unescaped stars, escapes resolved. */
function wordValue(t: IToken): SyntaxValue {
  const pieces: string[] = [''];
  const chars = Array.from(t.image);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === '\\') pieces[pieces.length - 1] += chars[++i];
    else if (c === '*') pieces.push('');
    else pieces[pieces.length - 1] += c;
  }
  return { pieces, quoted: false, column: column(t) };
}

function quotedValue(t: IToken): SyntaxValue {
  return { pieces: [t.image.slice(1, -1).replace(/\\([\s\S])/g, '$1')], quoted: true, column: column(t) };
}

const COMPARE: Record<string, CompareOp> = { Gte: 'gte', Lte: 'lte', Gt: 'gt', Lt: 'lt' };

class QueryParser extends EmbeddedActionsParser {
  constructor() {
    super(TOKENS, { maxLookahead: 3 });
    this.performSelfAnalysis();
  }

  query = this.RULE('query', (): SyntaxNode => this.SUBRULE(this.orExpr));

  private orExpr = this.RULE('orExpr', (): SyntaxNode => {
    const children = [this.SUBRULE(this.andExpr)];
    this.MANY(() => {
      this.CONSUME(Or);
      children.push(this.SUBRULE2(this.andExpr));
    });
    return children.length === 1 ? children[0] : { type: 'or', children };
  });

  private andExpr = this.RULE('andExpr', (): SyntaxNode => {
    const children = [this.SUBRULE(this.notExpr)];
    this.MANY(() => {
      this.OPTION(() => this.CONSUME(And));
      children.push(this.SUBRULE2(this.notExpr));
    });
    return children.length === 1 ? children[0] : { type: 'and', children };
  });

  private notExpr = this.RULE('notExpr', (): SyntaxNode =>
    this.OR([
      {
        ALT: () => {
          const t = this.CONSUME(Not);
          const child = this.SUBRULE(this.notExpr);
          return this.ACTION(() => ({ type: 'not', child, column: column(t) }) as SyntaxNode);
        },
      },
      { ALT: () => this.SUBRULE(this.primary) },
    ]),
  );

  private primary = this.RULE('primary', (): SyntaxNode =>
    this.OR([
      {
        ALT: () => {
          this.CONSUME(LParen);
          const inner = this.SUBRULE(this.orExpr);
          this.CONSUME(RParen);
          return inner;
        },
      },
      { GATE: () => [Colon, Gte, Lte, Gt, Lt].includes(this.LA(2).tokenType), ALT: () => this.SUBRULE(this.clause) },
      { ALT: () => ({ type: 'text', value: this.SUBRULE(this.valueRule) }) as SyntaxNode },
    ]),
  );

  private clause = this.RULE('clause', (): SyntaxNode => {
    const name = this.CONSUME(Word);
    const field = this.ACTION(() => name.image);
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(Colon);
          return this.OR2([
            { ALT: () => this.SUBRULE(this.range, { ARGS: [field, column(name)] }) },
            {
              ALT: () => {
                const value = this.SUBRULE(this.valueRule);
                return this.ACTION(() => ({ type: 'match', field, column: column(name), value }) as SyntaxNode);
              },
            },
          ]);
        },
      },
      {
        ALT: () => {
          const op = this.OR3([{ ALT: () => this.CONSUME(Gte) }, { ALT: () => this.CONSUME(Lte) }, { ALT: () => this.CONSUME(Gt) }, { ALT: () => this.CONSUME(Lt) }]);
          const value = this.SUBRULE2(this.valueRule);
          return this.ACTION(() => ({ type: 'compare', field, column: column(name), op: COMPARE[op.tokenType.name], value }) as SyntaxNode);
        },
      },
    ]);
  });

  private range = this.RULE('range', (field: string, at: number): SyntaxNode => {
    const open = this.OR([{ ALT: () => this.CONSUME(LBracket) }, { ALT: () => this.CONSUME(LBrace) }]);
    const lower = this.SUBRULE(this.valueRule);
    this.CONSUME(To);
    const upper = this.SUBRULE2(this.valueRule);
    const close = this.OR2([{ ALT: () => this.CONSUME(RBracket) }, { ALT: () => this.CONSUME(RBrace) }]);
    return this.ACTION(() => rangeNode(field, at, open, lower, upper, close));
  });

  private valueRule = this.RULE('value', (): SyntaxValue =>
    this.OR([
      {
        ALT: () => {
          const t = this.CONSUME(Word);
          return this.ACTION(() => wordValue(t));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(Quoted);
          return this.ACTION(() => quotedValue(t));
        },
      },
    ]),
  );
}

function rangeNode(field: string, at: number, open: IToken, lower: SyntaxValue, upper: SyntaxValue, close: IToken): SyntaxNode {
    const bound = (v: SyntaxValue) => (!v.quoted && v.pieces.length === 2 && v.pieces[0] === '' && v.pieces[1] === '' ? null : v);
    return {
      type: 'range',
      field,
      column: at,
      lower: bound(lower),
      upper: bound(upper),
      includeLower: open.tokenType === LBracket,
      includeUpper: close.tokenType === RBracket,
    };
}


let parser: QueryParser | null = null;

/**
 * Deeper nesting than this is refused before parsing: the parser descends
 * once per parenthesis, and a query is user input.
 */
export const MAX_NESTING = 32;

/** The text to a syntax tree; QuerySyntaxError (with the column) when it is not a query. */
export function parseSyntax(text: string): SyntaxNode {
  const lexed = lexer.tokenize(text);
  if (lexed.errors.length) {
    const e = lexed.errors[0];
    const c = text[e.offset];
    throw new QuerySyntaxError(c === '"' ? 'has a `"` that is never closed' : `cannot read \`${c}\``, e.offset + 1);
  }
  let depth = 0;
  for (const t of lexed.tokens) {
    if (t.tokenType === LParen && ++depth > MAX_NESTING) {
      throw new QuerySyntaxError(`nests parentheses deeper than ${MAX_NESTING}`, column(t));
    }
    if (t.tokenType === RParen) depth--;
  }
  if (lexed.tokens.length === 0) throw new QuerySyntaxError('is empty', null);
  parser ??= new QueryParser();
  parser.input = lexed.tokens;
  const tree = parser.query();
  if (parser.errors.length) {
    const token = parser.errors[0].token;
    if (token.tokenType.name === 'EOF' || Number.isNaN(token.startOffset)) throw new QuerySyntaxError('ends too early (an operator, `:` or bracket with nothing after it)', text.length);
    throw new QuerySyntaxError(`has an unexpected \`${token.image}\``, column(token));
  }
  return tree;
}

/**
 * The part of GitHub Actions' expression language that the workflows in `.github/workflows/` use:
 * context properties (`steps.deploy.outputs.image-uri`, hyphens allowed), string, number and
 * boolean literals, `!`, `==`, `!=`, `&&`, `||`, parentheses and the status functions. Anything
 * else throws, so a workflow that starts using more of the language fails the suite loudly
 * instead of being evaluated wrongly.
 *
 * Semantics follow GitHub's documentation: `||` and `&&` return an operand (not a boolean), a
 * missing property is null, strings compare case-insensitively, and a value interpolated into a
 * string is `''` for null.
 */

export type Value = string | number | boolean | null | { [key: string]: Value };

export interface ExpressionContext {
  /** Context objects by name: `github`, `env`, `vars`, `secrets`, `steps`, `needs`, `job`. */
  contexts: Record<string, Value>;
  /** What the status functions see: has an earlier step (or needed job) failed? */
  failed: boolean;
}

type Token =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'word'; value: string }
  | { kind: 'operator'; value: string };

const OPERATORS = ['||', '&&', '==', '!=', '!', '(', ')'];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < source.length) {
    const rest = source.slice(at);
    const space = /^\s+/.exec(rest);
    if (space) {
      at += space[0].length;
      continue;
    }
    if (rest.startsWith("'")) {
      // A quote inside a string literal is written twice.
      const literal = /^'((?:[^']|'')*)'/.exec(rest);
      if (!literal) throw new Error(`Unterminated string in expression: ${source}`);
      tokens.push({ kind: 'string', value: literal[1].replace(/''/g, "'") });
      at += literal[0].length;
      continue;
    }
    const operator = OPERATORS.find((candidate) => rest.startsWith(candidate));
    if (operator) {
      tokens.push({ kind: 'operator', value: operator });
      at += operator.length;
      continue;
    }
    const number = /^-?\d+(\.\d+)?/.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]) });
      at += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_][\w-]*(\.[\w-]+)*/.exec(rest);
    if (word) {
      tokens.push({ kind: 'word', value: word[0] });
      at += word[0].length;
      continue;
    }
    throw new Error(`Unsupported syntax at '${rest}' in expression: ${source}`);
  }
  return tokens;
}

function truthy(value: Value): boolean {
  return !(value === null || value === false || value === '' || value === 0 || Number.isNaN(value));
}

function equal(left: Value, right: Value): boolean {
  const a = left ?? '';
  const b = right ?? '';
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (typeof a === 'object' || typeof b === 'object') return a === b;
  return Number(a) === Number(b);
}

function lookup(path: string, context: ExpressionContext, source: string): Value {
  const [root, ...properties] = path.split('.');
  if (!(root in context.contexts)) throw new Error(`Unknown context '${root}' in expression: ${source}`);
  let value: Value = context.contexts[root];
  for (const property of properties) {
    if (value === null || typeof value !== 'object') return null;
    value = value[property] ?? null;
  }
  return value;
}

/** Evaluate one expression (the text inside `${{ }}`, or an `if:`). */
export function evaluate(source: string, context: ExpressionContext): Value {
  const tokens = tokenize(source);
  let position = 0;
  const peek = () => tokens[position];
  const isOperator = (value: string) => peek()?.kind === 'operator' && peek().value === value;

  const parseOr = (): Value => {
    let value = parseAnd();
    while (isOperator('||')) {
      position += 1;
      const right = parseAnd();
      value = truthy(value) ? value : right;
    }
    return value;
  };
  const parseAnd = (): Value => {
    let value = parseEquality();
    while (isOperator('&&')) {
      position += 1;
      const right = parseEquality();
      value = truthy(value) ? right : value;
    }
    return value;
  };
  const parseEquality = (): Value => {
    let value = parseUnary();
    while (isOperator('==') || isOperator('!=')) {
      const negate = peek().value === '!=';
      position += 1;
      const same = equal(value, parseUnary());
      value = negate ? !same : same;
    }
    return value;
  };
  const parseUnary = (): Value => {
    if (isOperator('!')) {
      position += 1;
      return !truthy(parseUnary());
    }
    return parsePrimary();
  };
  const parsePrimary = (): Value => {
    const token = tokens[position];
    position += 1;
    if (!token) throw new Error(`Unexpected end of expression: ${source}`);
    if (token.kind === 'string' || token.kind === 'number') return token.value;
    if (token.kind === 'operator') {
      if (token.value !== '(') throw new Error(`Unexpected '${token.value}' in expression: ${source}`);
      const value = parseOr();
      if (!isOperator(')')) throw new Error(`Missing ')' in expression: ${source}`);
      position += 1;
      return value;
    }
    if (token.value === 'true') return true;
    if (token.value === 'false') return false;
    if (token.value === 'null') return null;
    if (isOperator('(')) {
      position += 1;
      if (!isOperator(')')) throw new Error(`Only argument-less functions are supported: ${source}`);
      position += 1;
      return callStatusFunction(token.value, context, source);
    }
    return lookup(token.value, context, source);
  };

  const value = parseOr();
  if (position !== tokens.length) throw new Error(`Unexpected tokens after the end of expression: ${source}`);
  return value;
}

function callStatusFunction(name: string, context: ExpressionContext, source: string): boolean {
  switch (name) {
    case 'always':
      return true;
    case 'success':
      return !context.failed;
    case 'failure':
      return context.failed;
    case 'cancelled':
      return false;
    default:
      throw new Error(`Unsupported function '${name}()' in expression: ${source}`);
  }
}

const STATUS_FUNCTION = /\b(always|success|failure|cancelled)\s*\(/;

/** An `if:` as the runner treats it: `${{ }}` optional, and `success() &&` implied without a status function. */
export function evaluateCondition(condition: string | undefined, context: ExpressionContext): boolean {
  const bare = (condition ?? 'success()').trim().replace(/^\$\{\{([\s\S]*)\}\}$/, '$1');
  const expression = STATUS_FUNCTION.test(bare) ? bare : `success() && (${bare})`;
  return truthy(evaluate(expression, context));
}

export function valueToString(value: Value): string {
  if (value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A string with `${{ }}` placeholders, as the runner fills in `with:`, `env:` and job outputs. */
export function interpolate(template: unknown, context: ExpressionContext): string {
  if (typeof template !== 'string') return valueToString((template ?? null) as Value);
  return template.replace(/\$\{\{([\s\S]*?)\}\}/g, (_match, expression: string) =>
    valueToString(evaluate(expression, context)),
  );
}

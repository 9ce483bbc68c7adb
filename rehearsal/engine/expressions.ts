import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';
import { truthy } from '@actions/expressions/result';

/**
 * Expressions are evaluated by GitHub's own evaluator (`@actions/expressions`, the library the
 * Actions language server uses). This module only turns plain values into its data model, adds the
 * status functions (success/failure/always/cancelled) the workflow's job and step `if:` use, and
 * converts results to what the runner would put in a string (an input, an environment variable).
 */

export type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };

export interface Status {
  /** Every step so far (inside a job), or every ancestor job (a job's `if:`), succeeded. */
  success: boolean;
  /** A step so far, or an ancestor job, failed. */
  failure: boolean;
  cancelled: boolean;
}

export const CONTEXT_NAMES = [
  'github',
  'env',
  'vars',
  'secrets',
  'needs',
  'steps',
  'job',
  'runner',
  'inputs',
  'strategy',
  'matrix',
] as const;

export class ExpressionFailure extends Error {}

function toData(value: Plain | undefined): data.ExpressionData {
  return JSON.parse(JSON.stringify(value ?? null), data.reviver) as data.ExpressionData;
}

function statusFunctions(status: Status): FunctionDefinition[] {
  const constant = (name: string, value: () => boolean, maxArgs = 0): FunctionDefinition => ({
    name,
    minArgs: 0,
    maxArgs,
    call: () => new data.BooleanData(value()),
  });
  return [
    constant('success', () => status.success && !status.cancelled),
    constant('failure', () => status.failure && !status.cancelled),
    constant('always', () => true),
    constant('cancelled', () => status.cancelled),
  ];
}

/** Evaluate one expression (the text inside `${{ }}`) against the given contexts. */
export function evaluate(
  expression: string,
  contexts: Record<string, Plain | undefined>,
  status: Status = { success: true, failure: false, cancelled: false },
): data.ExpressionData {
  const functions = statusFunctions(status);
  try {
    const lexed = new Lexer(expression).lex();
    const tree = new Parser(lexed.tokens, Object.keys(contexts), functions).parse();
    const context = new data.Dictionary(
      ...Object.entries(contexts).map(([key, value]) => ({ key, value: toData(value) })),
    );
    return new Evaluator(tree, context, new Map(functions.map((f) => [f.name, f]))).evaluate();
  } catch (error) {
    throw new ExpressionFailure(`${error instanceof Error ? error.message : String(error)} (in \`${expression}\`)`);
  }
}

export function isTruthy(value: data.ExpressionData): boolean {
  return truthy(value);
}

/** What the runner puts in a string: '' for null, true/false, numbers as written, objects as JSON. */
export function asString(value: data.ExpressionData): string {
  switch (value.kind) {
    case data.Kind.Null:
      return '';
    case data.Kind.String:
      return (value as data.StringData).value;
    case data.Kind.Boolean:
      return (value as data.BooleanData).value ? 'true' : 'false';
    case data.Kind.Number:
      return value.coerceString();
    default:
      return JSON.stringify(value, data.replacer, 2);
  }
}

/** Back to a plain value (a job output object, `needs` for the next job). */
export function asPlain(value: data.ExpressionData): Plain {
  return JSON.parse(JSON.stringify(value, data.replacer)) as Plain;
}

/**
 * `${{ }}` segments inside a plain string (action.yml input defaults, which are not parsed by the
 * workflow parser): each segment is evaluated, the text around it kept.
 */
export function interpolate(text: string, contexts: Record<string, Plain | undefined>): string {
  let result = '';
  let rest = text;
  for (;;) {
    const start = rest.indexOf('${{');
    if (start < 0) return result + rest;
    const end = rest.indexOf('}}', start + 3);
    if (end < 0) throw new ExpressionFailure(`An expression is not closed with '}}' in \`${text}\``);
    result += rest.slice(0, start) + asString(evaluate(rest.slice(start + 3, end).trim(), contexts));
    rest = rest.slice(end + 2);
  }
}

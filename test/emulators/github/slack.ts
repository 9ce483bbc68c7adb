/**
 * A Slack incoming-webhook receiver: accepts what https://hooks.slack.com/services/... accepts and
 * answers as it does (`200 ok`, or a plain-text error code such as `400 invalid_blocks`). The
 * payload is checked against Block Kit's limits so an action cannot send a message Slack would
 * refuse.
 */

export interface SlackAnswer {
  status: number;
  body: string;
}

const BLOCK_TYPES = new Set(['header', 'section', 'context', 'divider', 'actions', 'image', 'rich_text']);
const TEXT_TYPES = new Set(['plain_text', 'mrkdwn']);

export function checkSlackPayload(
  raw: string,
  contentType: string | undefined,
): { answer: SlackAnswer; payload?: unknown } {
  if (contentType && !/json|x-www-form-urlencoded/.test(contentType)) {
    return { answer: { status: 400, body: 'invalid_payload' } };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(raw);
  } catch {
    return { answer: { status: 400, body: 'invalid_payload' } };
  }
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
    return { answer: { status: 400, body: 'invalid_payload' }, payload };
  }
  const { text, blocks } = payload as { text?: unknown; blocks?: unknown };
  if (blocks === undefined && (typeof text !== 'string' || text === '')) {
    return { answer: { status: 400, body: 'no_text' }, payload };
  }
  if (text !== undefined && (typeof text !== 'string' || text.length > 40_000)) {
    return { answer: { status: 400, body: 'invalid_payload' }, payload };
  }
  if (blocks !== undefined) {
    const problem = blocksProblem(blocks);
    if (problem) return { answer: { status: 400, body: 'invalid_blocks' }, payload: { ...payload, problem } };
  }
  return { answer: { status: 200, body: 'ok' }, payload };
}

/** Why a `blocks` array breaks Block Kit's rules, or undefined when it keeps them. */
export function blocksProblem(blocks: unknown): string | undefined {
  if (!Array.isArray(blocks)) return 'blocks must be an array';
  if (blocks.length === 0 || blocks.length > 50) return 'a message has 1 to 50 blocks';
  for (const [index, block] of blocks.entries()) {
    const where = `blocks[${index}]`;
    if (!block || typeof block !== 'object') return `${where} is not an object`;
    const { type } = block as { type?: unknown };
    if (typeof type !== 'string' || !BLOCK_TYPES.has(type)) return `${where} has an unknown type ${String(type)}`;
    if (type === 'header') {
      const problem = textProblem((block as { text?: unknown }).text, 150, ['plain_text']);
      if (problem) return `${where}.text ${problem}`;
    }
    if (type === 'section') {
      const { text, fields } = block as { text?: unknown; fields?: unknown };
      if (text === undefined && fields === undefined) return `${where} needs text or fields`;
      if (text !== undefined) {
        const problem = textProblem(text, 3000);
        if (problem) return `${where}.text ${problem}`;
      }
      if (fields !== undefined) {
        if (!Array.isArray(fields) || fields.length > 10) return `${where}.fields has at most 10 items`;
        for (const [i, field] of fields.entries()) {
          const problem = textProblem(field, 2000);
          if (problem) return `${where}.fields[${i}] ${problem}`;
        }
      }
    }
    if (type === 'context') {
      const { elements } = block as { elements?: unknown };
      if (!Array.isArray(elements) || elements.length === 0 || elements.length > 10) {
        return `${where}.elements has 1 to 10 items`;
      }
      for (const [i, element] of elements.entries()) {
        if ((element as { type?: unknown })?.type === 'image') continue;
        const problem = textProblem(element, 3000);
        if (problem) return `${where}.elements[${i}] ${problem}`;
      }
    }
  }
  return undefined;
}

function textProblem(value: unknown, max: number, types: readonly string[] = [...TEXT_TYPES]): string | undefined {
  if (!value || typeof value !== 'object') return 'must be a text object';
  const { type, text } = value as { type?: unknown; text?: unknown };
  if (typeof type !== 'string' || !types.includes(type)) return `must be of type ${types.join(' or ')}`;
  if (typeof text !== 'string' || text.length === 0) return 'must have text';
  if (text.length > max) return `is longer than ${max} characters`;
  return undefined;
}

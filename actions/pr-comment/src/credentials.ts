/**
 * Credentials recognised by their shape, wherever they appear in text this action posts: a smoke
 * report that copied a request header, a pull request title, a template. Pure and dependency-free,
 * so the input readers can use it too. Every pattern is linear in the text (no nested quantifiers),
 * so a hostile report cannot make redaction hang.
 *
 * What is removed is replaced by `***`, the runner's own mask, and only the credential itself: the
 * scheme of an `Authorization: Bearer …` value and the host of a `https://user:pass@host` URL stay,
 * so the text still reads.
 */

export const REDACTION = '***';

export type CredentialKind =
  | 'private key'
  | 'GitHub token'
  | 'AWS access key ID'
  | 'AWS secret access key'
  | 'Slack webhook URL'
  | 'Slack token'
  | 'authorization header value'
  | 'bearer token'
  | 'basic authorization value'
  | 'password in a URL';

interface Rule {
  kind: CredentialKind;
  pattern: RegExp;
  /** What replaces a match; the whole match by default. */
  replace?: (match: string, ...groups: string[]) => string | undefined;
}

const SCHEMES = /^(?:bearer|basic|token|digest|negotiate|ntlm|aws4-hmac-sha256)\s+/i;

const RULES: readonly Rule[] = [
  {
    // Personal (classic), OAuth, user-to-server, server-to-server and refresh tokens, and fine-grained PATs.
    kind: 'GitHub token',
    pattern: /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{30,251}|github_pat_[A-Za-z0-9_]{30,244})(?![A-Za-z0-9_])/g,
  },
  {
    // The older 40-hex OAuth token, recognisable only where it is used: `token 0123…`, `Bearer 0123…`.
    kind: 'GitHub token',
    pattern: /\b(token|bearer)(\s+)[0-9a-f]{40}\b/gi,
    replace: (_match, scheme: string, space: string) => `${scheme}${space}${REDACTION}`,
  },
  {
    // `Authorization: …` and `Proxy-Authorization: …` as a header line, a JSON member or a table cell:
    // the value to the end of the line, quote or cell, its scheme kept.
    kind: 'authorization header value',
    pattern: /\b((?:proxy-)?authorization)(["']?\s*[:=]\s*["']?)([^\r\n"'<>|`]{6,})/gi,
    replace: (_match, name: string, separator: string, value: string) => {
      const trimmed = value.trimEnd();
      const scheme = SCHEMES.exec(trimmed)?.[0] ?? '';
      if (trimmed.slice(scheme.length) === REDACTION) return undefined;
      return `${name}${separator}${scheme}${REDACTION}${value.slice(trimmed.length)}`;
    },
  },
  {
    kind: 'Slack webhook URL',
    pattern:
      /(?:https?(?::|%3A)(?:\/|%2F){2})?hooks\.slack(?:-gov)?\.com(?:\/|%2F)(?:services|workflows|triggers)(?:\/|%2F)[A-Za-z0-9_\-/%]+/gi,
  },
  {
    kind: 'Slack token',
    pattern: /(?<![A-Za-z0-9])(?:xox[abprse]-[A-Za-z0-9-]{10,}|xapp-\d-[A-Za-z0-9-]{10,})/g,
  },
  {
    kind: 'AWS access key ID',
    pattern: /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])/g,
  },
  {
    // A secret key named as one: `aws_secret_access_key = …`, `"SecretAccessKey": "…"`.
    kind: 'AWS secret access key',
    pattern: /\b((?:aws_?)?secret_?access_?key["']?\s*[:=]\s*["']?)([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
    replace: (_match, label: string) => `${label}${REDACTION}`,
  },
  {
    // A bearer token outside a header line (a curl command, a log line). A plain lowercase word is
    // prose ("bearer authentication"), not a token.
    kind: 'bearer token',
    pattern: /\b(bearer)(\s+)([A-Za-z0-9\-._~+/]{16,}=*)/gi,
    replace: (_match, scheme: string, space: string, value: string) =>
      /^[a-z]+$/.test(value) ? undefined : `${scheme}${space}${REDACTION}`,
  },
  {
    // `Basic base64(user:password)`: only when the value decodes to a user and a password.
    kind: 'basic authorization value',
    pattern: /\b(basic)(\s+)([A-Za-z0-9+/]{6,}={0,2})(?![A-Za-z0-9+/=])/gi,
    replace: (_match, scheme: string, space: string, value: string) =>
      looksLikeUserPassword(value) ? `${scheme}${space}${REDACTION}` : undefined,
  },
  {
    // `scheme://user:password@host`: the user and password go, the host stays.
    kind: 'password in a URL',
    pattern: /\b([a-z][a-z0-9+.-]{1,20}:\/\/)[^\s/?#@:"'<>]+:[^\s/?#@"'<>]+@/gi,
    replace: (_match, scheme: string) => `${scheme}${REDACTION}@`,
  },
];

/** A 40-character run that could be an AWS secret access key. */
const SECRET_KEY_SHAPE = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
/** How far from an access key ID (characters) an unnamed secret key is taken to be its pair. */
const SECRET_KEY_REACH = 300;

function looksLikeUserPassword(base64: string): boolean {
  const decoded = Buffer.from(base64, 'base64').toString('utf8');
  // eslint-disable-next-line no-control-regex
  return /^[^\s:\u0000-\u001f]+:\S+$/.test(decoded) && !decoded.includes('\uFFFD');
}

export interface Redacted {
  text: string;
  /** What was found, each kind once, in the order of the rules. */
  kinds: CredentialKind[];
}

/** The text with every recognisable credential replaced by `***`. */
export function redactCredentials(text: string): Redacted {
  const kinds = new Set<CredentialKind>();
  let out = redactPrivateKeys(text, kinds);
  for (const rule of RULES) {
    rule.pattern.lastIndex = 0;
    out = out.replace(rule.pattern, (match: string, ...rest: unknown[]) => {
      const groups = rest.slice(0, -2).map((group) => (typeof group === 'string' ? group : ''));
      const replaced = rule.replace ? rule.replace(match, ...groups) : REDACTION;
      if (replaced === undefined || replaced === match) return match;
      kinds.add(rule.kind);
      return replaced;
    });
  }
  out = redactPairedSecretKeys(out, kinds);
  return { text: out, kinds: [...kinds] };
}

const KEY_BEGIN = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
const KEY_END = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
/** What is left of a key whose END line was cut off: base64 lines, also JSON-escaped. */
const KEY_BODY = /[A-Za-z0-9+/=\s\\:,.-]*/y;

/**
 * Whole PEM private key blocks, BEGIN to END; a block whose END was cut off loses everything after
 * BEGIN that still looks like its body. Written as a scan rather than one lazy pattern, so that a
 * text of many BEGIN lines and no END costs one pass, not one pass per BEGIN.
 */
function redactPrivateKeys(text: string, kinds: Set<CredentialKind>): string {
  if (!text.includes('PRIVATE KEY')) return text;
  let out = '';
  let from = 0;
  let noEndAfter = Infinity;
  KEY_BEGIN.lastIndex = 0;
  for (let begin = KEY_BEGIN.exec(text); begin; begin = KEY_BEGIN.exec(text)) {
    const bodyStart = begin.index + begin[0].length;
    KEY_END.lastIndex = bodyStart;
    const endMatch = bodyStart < noEndAfter ? KEY_END.exec(text) : null;
    let end: number;
    if (endMatch) end = endMatch.index + endMatch[0].length;
    else {
      noEndAfter = Math.min(noEndAfter, bodyStart);
      KEY_BODY.lastIndex = bodyStart;
      KEY_BODY.exec(text);
      end = KEY_BODY.lastIndex;
    }
    out += `${text.slice(from, begin.index)}${REDACTION}`;
    from = end;
    KEY_BEGIN.lastIndex = end;
    kinds.add('private key');
  }
  return out + text.slice(from);
}

/**
 * An AWS secret access key has no prefix of its own; it is recognised as the 40-character run
 * next to an access key ID (in a `~/.aws/credentials` dump, an env listing, a JSON document). By
 * the time this runs the IDs are already `***`, so their places are found in the original text's
 * shape: any run within reach of where an ID was. A run of hexadecimal digits only is a commit SHA.
 */
function redactPairedSecretKeys(text: string, kinds: Set<CredentialKind>): string {
  if (!kinds.has('AWS access key ID')) return text;
  const anchors: number[] = [];
  for (let at = text.indexOf(REDACTION); at !== -1; at = text.indexOf(REDACTION, at + 1)) anchors.push(at);
  return text.replace(SECRET_KEY_SHAPE, (candidate: string, offset: number) => {
    if (/^[0-9a-f]+$/i.test(candidate) || !/[0-9]/.test(candidate) || !/[A-Za-z]/.test(candidate)) return candidate;
    if (!withinReach(anchors, offset)) return candidate;
    kinds.add('AWS secret access key');
    return REDACTION;
  });
}

/** Whether a sorted list holds a position within SECRET_KEY_REACH of `offset` (binary search). */
function withinReach(sorted: readonly number[], offset: number): boolean {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle] < offset - SECRET_KEY_REACH) low = middle + 1;
    else high = middle;
  }
  return low < sorted.length && sorted[low] <= offset + SECRET_KEY_REACH;
}

/** The first kind of credential the value holds, for inputs that must never carry one. */
export function findCredential(value: string): CredentialKind | undefined {
  return redactCredentials(value).kinds[0];
}

import type { Plain } from './expressions.js';

/**
 * What the job's GITHUB_TOKEN may do, from its `permissions:` (or the workflow's), for the scopes
 * the GitHub emulator enforces. `undefined` means no `permissions:` anywhere: the repository's
 * default applies, which the rehearsal takes as unrestricted.
 */

export const TOKEN_SCOPES = ['contents', 'pull-requests', 'issues', 'deployments'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];
export type TokenLevel = 'none' | 'read' | 'write';

export function tokenPermissions(permissions: Plain | undefined): Record<TokenScope, TokenLevel> | undefined {
  if (permissions === undefined) return undefined;
  const all = (level: TokenLevel) =>
    Object.fromEntries(TOKEN_SCOPES.map((scope) => [scope, level])) as Record<TokenScope, TokenLevel>;
  if (permissions === 'read-all') return all('read');
  if (permissions === 'write-all') return all('write');
  if (permissions === null || typeof permissions !== 'object' || Array.isArray(permissions))
    throw new Error(`permissions ${JSON.stringify(permissions)} is not a mapping, read-all or write-all`);
  const granted = all('none');
  for (const scope of TOKEN_SCOPES) {
    const level = permissions[scope];
    if (level === 'read' || level === 'write' || level === 'none') granted[scope] = level;
  }
  return granted;
}

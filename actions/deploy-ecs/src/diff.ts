import { normalizeTaskDefinition, type Json } from './render.js';

/**
 * A unified diff (three lines of context) between two task definitions, each normalised and
 * printed as indented JSON with sorted keys, so the diff shows only what ECS would see change.
 * Task definitions are a few hundred lines at most: a longest-common-subsequence table is plenty.
 */
export function diffTaskDefinitions(
  before: Json | undefined,
  after: Json,
  labels: { before: string; after: string },
): string {
  const oldLines = before ? JSON.stringify(normalizeTaskDefinition(before), null, 2).split('\n') : [];
  const newLines = JSON.stringify(normalizeTaskDefinition(after), null, 2).split('\n');
  return unifiedDiff(oldLines, newLines, labels);
}

type Edit = { kind: ' ' | '-' | '+'; line: string; oldIndex: number; newIndex: number };

function editScript(a: string[], b: string[]): Edit[] {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const lcs = new Uint32Array(rows * cols);
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) {
      lcs[i * cols + j] =
        a[i] === b[j] ? lcs[(i + 1) * cols + j + 1] + 1 : Math.max(lcs[(i + 1) * cols + j], lcs[i * cols + j + 1]);
    }
  }
  const edits: Edit[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      edits.push({ kind: ' ', line: a[i], oldIndex: i, newIndex: j });
      i += 1;
      j += 1;
    } else if (j < b.length && (i === a.length || lcs[i * cols + j + 1] > lcs[(i + 1) * cols + j])) {
      edits.push({ kind: '+', line: b[j], oldIndex: i, newIndex: j });
      j += 1;
    } else {
      edits.push({ kind: '-', line: a[i], oldIndex: i, newIndex: j });
      i += 1;
    }
  }
  return edits;
}

export function unifiedDiff(a: string[], b: string[], labels: { before: string; after: string }, context = 3): string {
  const edits = editScript(a, b);
  const changed = edits.map((edit, index) => (edit.kind === ' ' ? -1 : index)).filter((index) => index >= 0);
  if (changed.length === 0) return '';
  const hunks: [number, number][] = [];
  for (const index of changed) {
    const start = Math.max(0, index - context);
    const end = Math.min(edits.length - 1, index + context);
    const last = hunks[hunks.length - 1];
    if (last && start <= last[1] + 1) last[1] = end;
    else hunks.push([start, end]);
  }
  const out = [`--- ${labels.before}`, `+++ ${labels.after}`];
  for (const [start, end] of hunks) {
    const slice = edits.slice(start, end + 1);
    const oldCount = slice.filter((edit) => edit.kind !== '+').length;
    const newCount = slice.filter((edit) => edit.kind !== '-').length;
    const oldStart = oldCount === 0 ? slice[0].oldIndex : slice[0].oldIndex + 1;
    const newStart = newCount === 0 ? slice[0].newIndex : slice[0].newIndex + 1;
    out.push(`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`);
    for (const edit of slice) out.push(`${edit.kind}${edit.line}`);
  }
  return out.join('\n');
}

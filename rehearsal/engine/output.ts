import type { JobRecord, Reporter, RunRecord, StepRecord } from './run.js';

/** How a run shows on a terminal, and the markdown report it leaves behind. */

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

const MARK: Record<string, string> = { success: '✓', failure: '✗', skipped: '-', cancelled: '⊘' };

function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((cell) => cell.trim());
}

function inline(text: string): string {
  return text
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/\[([^\]]+)\]\(([^)]+)\)/g, '$1 <$2>')
    .replace(/<\/?(details|summary|br|p|b|strong|code|sub|sup)[^>]*>/gi, '');
}

/**
 * A step summary (GitHub-flavoured markdown) for a terminal, simply: headings underlined, tables
 * as aligned columns, emphasis and code marks removed, links as `text <url>`.
 */
export function renderMarkdown(markdown: string): string {
  const out: string[] = [];
  // HTML comments (the markers an action keeps in a comment it edits later) are not shown.
  const lines = markdown
    .replace(/\r\n/g, '\n')
    .replace(/<!--[\s\S]*?-->\n?/g, '')
    .split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      const text = inline(heading[2]);
      out.push(text, (heading[1].length <= 2 ? '=' : '-').repeat(Math.min(text.length, 100)));
      continue;
    }
    if (line.trim().startsWith('|')) {
      const rows: string[][] = [];
      for (; i < lines.length && lines[i].trim().startsWith('|'); i += 1) {
        const row = cells(lines[i]);
        if (row.every((cell) => /^:?-+:?$/.test(cell))) continue;
        rows.push(row.map(inline));
      }
      i -= 1;
      const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
      for (const row of rows) {
        if (row.every((cell) => cell === '')) continue;
        out.push(
          row
            .map((cell, column) => cell.padEnd(widths[column] ?? 0))
            .join('  ')
            .trimEnd(),
        );
      }
      continue;
    }
    if (/^```/.test(line)) continue;
    out.push(inline(line));
  }
  return out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => (prefix + line).trimEnd())
    .join('\n');
}

/** Prints each job and step as it runs, with its time, and each step's summary rendered. */
export function consoleReporter(write: (text: string) => void = (text) => process.stdout.write(text)): Reporter {
  return {
    jobStart(job: JobRecord) {
      if (job.result === 'skipped') return;
      const extras = [
        job.environment ? `environment ${job.environment.name}` : undefined,
        job.concurrency
          ? `concurrency ${job.concurrency.group}${job.concurrency.cancelInProgress ? ' (cancel-in-progress)' : ''}`
          : undefined,
      ].filter(Boolean);
      write(`\n▶ job ${job.name}${extras.length ? ` [${extras.join('; ')}]` : ''}\n`);
    },
    stepStart(_job: JobRecord, step: StepRecord) {
      write(`  ▶ ${step.label}\n`);
    },
    line(_job: JobRecord, _step: StepRecord, line: string) {
      write(`    │ ${line}\n`);
    },
    stepEnd(_job: JobRecord, step: StepRecord) {
      write(
        `  ${MARK[step.outcome]} ${step.label} (${seconds(step.durationMs)})${step.note ? `: ${step.note}` : ''}\n`,
      );
      if (step.summary.trim() !== '') write(`${indent(renderMarkdown(step.summary), '    ┆ ')}\n`);
    },
    jobEnd(job: JobRecord) {
      if (job.result === 'skipped') {
        write(`\n- job ${job.name}: skipped (${job.note ?? ''})\n`);
        return;
      }
      for (const step of job.steps.filter((s) => s.outcome === 'skipped'))
        write(`  - ${step.label}: skipped (${step.note})\n`);
      write(`${MARK[job.result]} job ${job.name}: ${job.result} in ${seconds(job.durationMs)}\n`);
      if (job.droppedOutputs.length)
        write(`  outputs not handed on (they hold a masked value): ${job.droppedOutputs.join(', ')}\n`);
    },
  };
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The whole run as markdown: jobs, steps with outcome and time, annotations and each step summary. */
export function runMarkdown(run: RunRecord): string {
  const out: string[] = [];
  out.push(`## ${run.name} (${run.file}, on ${run.event}): ${run.conclusion} in ${seconds(run.durationMs)}`, '');
  if (run.concurrency)
    out.push(`Concurrency group \`${run.concurrency.group}\`, cancel-in-progress ${run.concurrency.cancelInProgress}.`);
  if (run.permissions !== undefined) out.push(`Token permissions: \`${JSON.stringify(run.permissions)}\`.`);
  out.push('');
  for (const job of run.jobs) {
    out.push(
      `### Job ${job.name}: ${job.result}${job.result === 'skipped' ? '' : ` in ${seconds(job.durationMs)}`}`,
      '',
    );
    if (job.note) out.push(job.note, '');
    if (job.result === 'skipped') continue;
    const facts = [
      job.runsOn ? `runs on ${job.runsOn} (stood in for by this machine)` : undefined,
      job.environment
        ? `environment \`${job.environment.name}\`${job.environment.url ? ` at ${job.environment.url}` : ''}`
        : undefined,
      job.concurrency
        ? `concurrency \`${job.concurrency.group}\` (cancel-in-progress ${job.concurrency.cancelInProgress})`
        : undefined,
      job.permissions !== undefined ? `permissions \`${JSON.stringify(job.permissions)}\`` : undefined,
    ].filter(Boolean);
    for (const fact of facts) out.push(`- ${fact}`);
    out.push('', '| step | outcome | time | note |', '| --- | --- | --- | --- |');
    for (const step of job.steps)
      out.push(
        `| ${escapeCell(step.label)} | ${step.outcome}${step.conclusion !== step.outcome ? ` (conclusion ${step.conclusion})` : ''} | ${seconds(step.durationMs)} | ${escapeCell(step.note ?? '')} |`,
      );
    out.push('');
    if (Object.keys(job.outputs).length) {
      out.push('Outputs:', '');
      for (const [name, value] of Object.entries(job.outputs))
        out.push(`- \`${name}\`: ${value.length > 200 ? `${value.slice(0, 200)}…` : value}`);
      out.push('');
    }
    for (const step of job.steps) {
      if (step.annotations.length === 0 && step.summary.trim() === '') continue;
      out.push(`#### ${step.label}`, '');
      for (const a of step.annotations) out.push(`> **${a.level}**${a.title ? ` ${a.title}` : ''}: ${a.message}`, '');
      if (step.summary.trim()) out.push(step.summary.trim(), '');
    }
  }
  return out.join('\n');
}

import { spawn } from 'node:child_process';

/**
 * What the runner reads back from a step: the file commands (GITHUB_OUTPUT, GITHUB_ENV,
 * GITHUB_PATH, GITHUB_STATE, GITHUB_STEP_SUMMARY) and the workflow commands a step prints on its
 * standard output (`::add-mask::`, `::error::`, `::warning::`, `::notice::`, `::group::`, ...).
 */

export class FileCommandError extends Error {}

/** `name=value` lines and `name<<DELIMITER` heredocs, as the runner accepts them. */
export function parseFileCommand(text: string, file: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    if (line === '') continue;
    const heredoc = line.indexOf('<<');
    const equals = line.indexOf('=');
    if (heredoc > 0 && (equals < 0 || heredoc < equals)) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      const body: string[] = [];
      let closed = false;
      for (i += 1; i < lines.length; i += 1) {
        if (lines[i] === delimiter) {
          closed = true;
          break;
        }
        body.push(lines[i]);
      }
      if (!closed) throw new FileCommandError(`${file}: matching delimiter not found '${delimiter}'`);
      values[name] = body.join('\n');
      continue;
    }
    if (equals <= 0) throw new FileCommandError(`${file}: invalid format '${line.slice(0, 80)}'`);
    values[line.slice(0, equals)] = line.slice(equals + 1);
  }
  return values;
}

export function parsePathFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  title?: string;
  message: string;
}

function unescapeData(text: string): string {
  return text.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

function unescapeProperty(text: string): string {
  return unescapeData(text).replace(/%3A/gi, ':').replace(/%2C/gi, ',');
}

/** Reads a step's standard output line by line, as the runner does, and keeps what it asked for. */
export class CommandReader {
  readonly annotations: Annotation[] = [];
  readonly masks: string[] = [];
  readonly warnings: string[] = [];
  private stopToken: string | undefined;

  /** Returns the line to show (masked by the caller), or undefined when the line was a command. */
  read(line: string): string | undefined {
    // As the runner parses it: the command and its properties run up to the first `::` (a single
    // `:` may sit in a property, as in `title=Staging skipped: ...`).
    const match = /^::([\w-]+)(?: (.*?))?::(.*)$/.exec(line);
    if (!match) return line;
    const [, command, properties = '', data] = match;
    if (this.stopToken !== undefined) {
      if (command !== this.stopToken) return line;
      this.stopToken = undefined;
      return undefined;
    }
    switch (command) {
      case 'add-mask':
        if (unescapeData(data).trim() !== '') this.masks.push(unescapeData(data));
        return undefined;
      case 'error':
      case 'warning':
      case 'notice': {
        const props = Object.fromEntries(
          properties
            .split(',')
            .filter((p) => p.includes('='))
            .map((p) => [p.slice(0, p.indexOf('=')).trim(), unescapeProperty(p.slice(p.indexOf('=') + 1))]),
        );
        const annotation: Annotation = { level: command, message: unescapeData(data), title: props.title };
        this.annotations.push(annotation);
        return `${command === 'error' ? 'Error' : command === 'warning' ? 'Warning' : 'Notice'}: ${annotation.title ? `${annotation.title}: ` : ''}${annotation.message}`;
      }
      case 'group':
        return `▸ ${unescapeData(data)}`;
      case 'endgroup':
      case 'debug':
        return undefined;
      case 'stop-commands':
        this.stopToken = data;
        return undefined;
      case 'set-output':
      case 'save-state':
      case 'set-env':
      case 'add-path':
        // Disabled on GitHub's runners: the step keeps going, the value is ignored.
        this.warnings.push(
          `The \`${command}\` command is disabled; use the ${command === 'set-output' ? 'GITHUB_OUTPUT' : 'GITHUB_*'} file instead.`,
        );
        return undefined;
      default:
        return line;
    }
  }
}

/** Replace every masked value with `***`, longest first, as the runner's log does. */
export function maskText(text: string, masks: Iterable<string>): string {
  let result = text;
  const values = [...new Set(masks)].filter((value) => value !== '').sort((a, b) => b.length - a.length);
  for (const value of values) result = result.split(value).join('***');
  return result;
}

export interface ProcessResult {
  exitCode: number | null;
  timedOut: boolean;
}

/**
 * Spawn a step's process, hand every line of its output (stdout and stderr, as the runner merges
 * them into the log) to `onLine` as it arrives, and kill it when `timeoutMs` passes.
 */
export function runProcess(
  command: string,
  args: string[],
  options: {
    cwd: string;
    env: Record<string, string>;
    timeoutMs?: number;
    onLine: (line: string, stream: 'out' | 'err') => void;
  },
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    // A process group of its own, so a timeout ends the whole tree (as the runner does), not only the shell.
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let timedOut = false;
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            try {
              if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
            } catch {
              child.kill('SIGKILL');
            }
          }, options.timeoutMs)
        : undefined;
    const split = (stream: 'out' | 'err') => {
      let pending = '';
      return {
        data(chunk: Buffer) {
          pending += chunk.toString('utf8');
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) options.onLine(line.replace(/\r$/, ''), stream);
        },
        end() {
          if (pending !== '') options.onLine(pending, stream);
          pending = '';
        },
      };
    };
    const out = split('out');
    const err = split('err');
    child.stdout.on('data', out.data);
    child.stderr.on('data', err.data);
    child.on('error', (error) => {
      if (timer) clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      out.end();
      err.end();
      resolve({ exitCode: code, timedOut });
    });
  });
}

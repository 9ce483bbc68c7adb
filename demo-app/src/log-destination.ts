/**
 * Where the demo app's JSON log lines go: stdout, one write per turn of the event loop.
 *
 * pino's asynchronous destination (sonic-boom) appends every line to a pending string and measures
 * that whole string's UTF-8 length again on each write, and hands the writes to libuv's thread
 * pool; under load that was 6-7% of the main thread in a CPU profile, plus the pool's own work.
 * Here the lines logged during one turn are joined once and written synchronously at its end
 * (setImmediate), which is how Node itself writes `process.stdout` to a pipe or a file on Linux,
 * only with one write per turn instead of one per line. The process never holds more than a turn's
 * lines, and they are written on exit too, so only a SIGKILL can lose the last few.
 */
import { pino } from 'pino';

/** What the batch is written to: pino's synchronous destination (it retries EAGAIN and partial writes). */
export interface LineSink {
  write(chunk: string): unknown;
}

export class BatchedLineWriter {
  #lines: string[] = [];
  #scheduled = false;

  constructor(readonly sink: LineSink) {}

  /** pino calls this once per line; the line is written at the end of the current turn. */
  write(line: string): boolean {
    this.#lines.push(line);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.flush);
    }
    return true;
  }

  /** Writes what is pending now. */
  readonly flush = (): void => {
    this.#scheduled = false;
    if (this.#lines.length === 0) return;
    const chunk = this.#lines.length === 1 ? this.#lines[0] : this.#lines.join('');
    this.#lines = [];
    this.sink.write(chunk);
  };
}

/** A writer on stdout whose pending lines are written when the process exits. */
export function stdoutLineWriter(): BatchedLineWriter {
  const writer = new BatchedLineWriter(pino.destination({ dest: 1, sync: true }));
  process.on('exit', writer.flush);
  return writer;
}

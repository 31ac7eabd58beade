import { SingleBar } from 'cli-progress';
import { CommandError } from '../cli/command.ts';

/** Progress of a replay run, as the API reports it. */
export interface RunProgress {
  total: number;
  done: number;
  completed: number;
  failed: number;
}

/**
 * Polls `read` until `finished` says so, drawing a progress bar on a TTY (stderr, so stdout
 * stays clean for the report). Bounded: gives up after `timeoutMs` (default 6 h).
 */
export async function pollWithProgress<T>(read: () => Promise<T>, progress: (value: T) => RunProgress | null, finished: (value: T) => boolean, timeoutMs = 6 * 3600_000): Promise<T> {
  const bar = process.stderr.isTTY ? new SingleBar({ format: 'replays {bar} {value}/{total} · {failed} failed · {eta_formatted} left', stream: process.stderr, hideCursor: true }) : null;
  let started = false;
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const value = await read();
      const p = progress(value);
      if (bar !== null && p !== null) {
        if (!started) {
          bar.start(p.total, p.done, { failed: p.failed });
          started = true;
        } else bar.update(p.done, { failed: p.failed });
      }
      if (finished(value)) return value;
      if (Date.now() > deadline) throw new CommandError(`gave up waiting after ${Math.round(timeoutMs / 60_000)} minutes; the run goes on in the sidecar`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    if (started) bar?.stop();
  }
}

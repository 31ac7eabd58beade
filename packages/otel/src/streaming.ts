import { diag } from '@opentelemetry/api';
import type { Loose } from './internal-types.ts';

export interface StreamObserver {
  chunk(chunk: Loose): void;
  end(): void;
  error(error: unknown): void;
}

type IteratorFactory = (this: unknown) => AsyncIterator<unknown>;

/**
 * Observes an SDK stream in place: the stream object the app holds stays the same, only its
 * iterator factory is wrapped, so `for await`, `tee()` and `toReadableStream()` all pass
 * through. Observer errors are swallowed; chunks reach the app unchanged.
 * Returns false when the stream has no iterator to wrap.
 */
export function instrumentStream(stream: unknown, observer: StreamObserver): boolean {
  if (typeof stream !== 'object' || stream === null) return false;
  const target = stream as { iterator?: unknown; [Symbol.asyncIterator]?: unknown };
  // Both openai and @anthropic-ai/sdk streams keep their factory in `iterator`, which
  // [Symbol.asyncIterator] and tee() call; the SDKs' own decorators replace it the same way.
  if (typeof target.iterator === 'function') {
    const factory = target.iterator as IteratorFactory;
    target.iterator = function observedIterator(this: unknown): AsyncIterator<unknown> {
      return observeIterator(factory.call(this), observer);
    };
    return true;
  }
  if (typeof target[Symbol.asyncIterator] === 'function') {
    const factory = target[Symbol.asyncIterator] as IteratorFactory;
    target[Symbol.asyncIterator] = function observedIterator(this: unknown): AsyncIterator<unknown> {
      return observeIterator(factory.call(this), observer);
    };
    return true;
  }
  return false;
}

function observeIterator(inner: AsyncIterator<unknown>, observer: StreamObserver): AsyncIterator<unknown> & AsyncIterable<unknown> {
  let settled = false;
  const end = (): void => {
    if (settled) return;
    settled = true;
    guard(() => observer.end());
  };
  const fail = (error: unknown): void => {
    if (settled) return;
    settled = true;
    guard(() => observer.error(error));
  };
  const iterator: AsyncIterator<unknown> & AsyncIterable<unknown> = {
    next(...args: [] | [unknown]) {
      return inner.next(...args).then(
        (result) => {
          if (result.done === true) end();
          else if (typeof result.value === 'object' && result.value !== null) {
            const value = result.value as Loose;
            guard(() => observer.chunk(value));
          }
          return result;
        },
        (error: unknown) => {
          fail(error);
          throw error;
        },
      );
    },
    // The app stopped early (break): the span ends with what arrived so far.
    return(value?: unknown) {
      end();
      return typeof inner.return === 'function' ? inner.return(value) : Promise.resolve({ done: true as const, value });
    },
    throw(error?: unknown) {
      fail(error);
      return typeof inner.throw === 'function' ? inner.throw(error) : Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

function guard(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    // Telemetry never breaks the stream.
    diag.error('behavior-rate: error observing a stream (the stream is unaffected)', error);
  }
}

import type { ApiClient } from './ApiClient.js';
import type { ApiEvent } from './types.js';

/**
 * Parses a `text/event-stream` body incrementally (WHATWG "server-sent events" framing): returns a
 * function to feed chunks; each complete event is passed to `onEvent`.
 */
export function sseParser(onEvent: (type: string, data: string) => void): (chunk: string) => void {
  let buffer = '';
  return (chunk) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer[end] === '\r' ? 4 : 2));
      let type = 'message';
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') type = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length > 0) onEvent(type, data.join('\n'));
    }
  };
}

export interface EventStreamHandle {
  close(): void;
}

/**
 * Follows `/api/events` with `fetch` (an `EventSource` cannot send the bearer token, and the token
 * never goes into a URL). Reconnects with backoff while open; `onState` reports connectivity.
 */
export function followEvents(api: ApiClient, onEvent: (event: ApiEvent) => void, onState: (connected: boolean) => void): EventStreamHandle {
  const controller = new AbortController();
  let closed = false;
  let delay = 500;
  const loop = async (): Promise<void> => {
    while (!closed) {
      try {
        const res = await api.raw('/api/events', { signal: controller.signal, headers: { accept: 'text/event-stream' } });
        if (res.status === 401) return;
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        onState(true);
        delay = 500;
        const feed = sseParser((type, data) => {
          try {
            const parsed = JSON.parse(data) as Record<string, unknown>;
            const { endpoint, ...rest } = parsed;
            onEvent({ type, endpoint: typeof endpoint === 'string' ? endpoint : '', data: rest });
          } catch {
            /* a malformed event is skipped; the stream goes on */
          }
        });
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          feed(value);
        }
      } catch {
        if (closed) return;
      }
      onState(false);
      if (closed) return;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  };
  void loop();
  return {
    close() {
      closed = true;
      controller.abort();
    },
  };
}

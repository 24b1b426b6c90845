/**
 * A WebSocket client of `GET /v1.0/events` for tests (the `ws` package): connects, collects every message,
 * and awaits the next one matching a predicate (bounded by a timeout); `refused()` performs an upgrade that
 * the server is expected to answer with an HTTP error, and returns that answer.
 */
import WebSocket from 'ws';

export interface StreamMessage {
  type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any;
}

export interface EventClient {
  ws: WebSocket;
  /** Every message received so far, parsed, in order. */
  messages: StreamMessage[];
  /** The raw text of every message, in order. */
  texts: string[];
  /** Resolves with the first message (from `from` on, default: the next unread) matching `match`. */
  next(match?: (m: StreamMessage) => boolean, timeoutMs?: number): Promise<StreamMessage>;
  /** Sends a JSON message. */
  send(msg: unknown): void;
  /** Resolves with the close code and reason (the server's or the client's). */
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Sent as `Authorization: Bearer <key>`. */
  key?: string;
  /** Sent as `?accesskey=<key>` instead. */
  keyInQuery?: string;
  /** Query parameters (already encoded values are passed as is). */
  query?: Record<string, string>;
}

function urlOf(base: string, opts: ConnectOptions): string {
  const params = Object.entries(opts.query ?? {}).map(([k, v]) => `${k}=${v}`);
  if (opts.keyInQuery !== undefined) params.push(`accesskey=${encodeURIComponent(opts.keyInQuery)}`);
  return `${base.replace(/^http/, 'ws')}/v1.0/events${params.length ? `?${params.join('&')}` : ''}`;
}

function headersOf(opts: ConnectOptions): Record<string, string> {
  return opts.key !== undefined ? { authorization: `Bearer ${opts.key}` } : {};
}

/** Connects and waits for the `subscribed` message. */
export async function connectEvents(base: string, opts: ConnectOptions = {}): Promise<EventClient> {
  const ws = new WebSocket(urlOf(base, opts), { headers: headersOf(opts) });
  const messages: StreamMessage[] = [];
  const texts: string[] = [];
  const waiters: Array<() => void> = [];
  let read = 0;
  ws.on('message', (data) => {
    const text = (data as Buffer).toString('utf8');
    texts.push(text);
    messages.push(JSON.parse(text) as StreamMessage);
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString('utf8') });
      for (const w of waiters.splice(0)) w();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  const client: EventClient = {
    ws,
    messages,
    texts,
    closed,
    async next(match = () => true, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (read < messages.length) {
          const m = messages[read++];
          if (match(m)) return m;
        }
        if (ws.readyState === WebSocket.CLOSED) throw new Error('the connection closed');
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`no matching message in ${timeoutMs} ms; got ${JSON.stringify(messages)}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    },
    send(msg) {
      ws.send(JSON.stringify(msg));
    },
    async close() {
      if (ws.readyState !== WebSocket.CLOSED) {
        ws.close(1000);
        await closed;
      }
    },
  };
  await client.next((m) => m.type === 'subscribed');
  return client;
}

/** An upgrade the server answers with an HTTP status instead of 101: the status, headers and body. */
export function refusedUpgrade(
  base: string,
  opts: ConnectOptions = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: unknown }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(urlOf(base, opts), { headers: headersOf(opts) });
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('the upgrade was accepted'));
    });
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString('utf8')));
      res.on('end', () => {
        ws.terminate();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) as unknown });
      });
    });
    ws.once('error', (e) => {
      if (!String(e.message).includes('closed before the connection was established')) reject(e);
    });
  });
}

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { SHOW_CONTROL_SIGNATURE_HEADER, type ShowCommand } from '../../protocol/index.ts';

export interface ShowControlWebhookOptions {
  /** Tries of one delivery. @defaultValue 4 */
  attempts: number;
  /** The pause before the second try, doubling after each. @defaultValue 1000 */
  retryMs: number;
  /** How long one try may take. @defaultValue 5000 */
  timeoutMs: number;
}

export const defaultShowControlWebhookOptions: ShowControlWebhookOptions = {
  attempts: 4,
  retryMs: 1000,
  timeoutMs: 5000,
};

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the secret>`. */
export function signShowControlBody(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/**
 * Checks a signature header as a receiver should: the HMAC over the exact body bytes, compared in
 * constant time, and a timestamp no older than `toleranceS` (so a captured delivery cannot be replayed later).
 */
export function verifyShowControlSignature(
  secret: string,
  body: string,
  header: string | undefined,
  nowS: number,
  toleranceS = 300,
): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowS - t) > toleranceS || !parts.v1) return false;
  const expected = Buffer.from(signShowControlBody(secret, body, t).split('v1=')[1]!, 'hex');
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * Posts finished commands to the owner's webhook: JSON, signed, retried with backoff on network
 * errors, timeouts, 408, 429 and 5xx. Logs the host it posted to, never the URL's path or the secret.
 */
export class ShowControlWebhookSender {
  readonly options: ShowControlWebhookOptions;

  constructor(
    options: Partial<ShowControlWebhookOptions> = {},
    private readonly clock: () => number = Date.now,
  ) {
    this.options = { ...defaultShowControlWebhookOptions, ...options };
  }

  /** Resolves true once the receiver answered 2xx, false when every try failed or one was refused. */
  async deliver(url: string, secret: string, command: ShowCommand, log: Logger): Promise<boolean> {
    const body = JSON.stringify(command);
    const host = new URL(url).host;
    for (let attempt = 1; attempt <= this.options.attempts; attempt += 1) {
      let status: number | 'network';
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Troupe show-control webhook',
            [SHOW_CONTROL_SIGNATURE_HEADER]: signShowControlBody(
              secret,
              body,
              Math.floor(this.clock() / 1000),
            ),
          },
          body,
          redirect: 'error',
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        await res.arrayBuffer().catch(() => undefined);
        status = res.status;
      } catch {
        status = 'network';
      }
      if (typeof status === 'number' && status >= 200 && status < 300) {
        log.debug({ command: command.id, host, attempt }, 'show-control webhook delivered');
        return true;
      }
      const again = (status === 'network' || retryable(status)) && attempt < this.options.attempts;
      log.warn({ command: command.id, host, attempt, status, again }, 'show-control webhook not delivered');
      if (!again) return false;
      await new Promise((r) => setTimeout(r, this.options.retryMs * 2 ** (attempt - 1)));
    }
    return false;
  }
}

/**
 * Why a card could not be read or written. Stable: the API sends `code` to clients as-is.
 *
 * - `too_large`: the input, a PNG chunk or the card text is over its limit.
 * - `unsupported_format`: the bytes are not a PNG, a ZIP (.charx) or a JSON object.
 * - `truncated_png`, `bad_png`: the PNG ends early or its chunk structure is broken.
 * - `bad_crc`: a PNG chunk or a ZIP entry fails its CRC-32.
 * - `bad_base64`, `bad_json`: the card text inside the container cannot be decoded.
 * - `bad_text`: the card text holds a NUL character (`\u0000`), which no text field can store.
 * - `no_card`: the container holds no card (no `chara`/`ccv3` chunk, no `card.json`, JSON of another kind).
 * - `wrong_spec`: the card names a `spec` or `spec_version` this reader does not know.
 * - `invalid_card`: the card names its spec but a field has the wrong type.
 * - `bad_zip`, `zip_limits`: the .charx is malformed, or over the entry-count or size limits.
 * - `invalid_character`: `exportCard` was given a character or option that cannot be written.
 * - `unreadable`: a failure no check above caught; it still means bad input, never a server fault.
 */
export type CardErrorCode =
  | 'too_large'
  | 'unsupported_format'
  | 'truncated_png'
  | 'bad_png'
  | 'bad_crc'
  | 'bad_base64'
  | 'bad_json'
  | 'bad_text'
  | 'no_card'
  | 'wrong_spec'
  | 'invalid_card'
  | 'bad_zip'
  | 'zip_limits'
  | 'invalid_character'
  | 'unreadable';

/** Figures about a failure, for logs and tests: what it cost before it was stopped. */
export interface CardErrorDetails {
  /** Bytes a ZIP entry had inflated to when it was stopped for inflating past its declared size. */
  inflatedBytes?: number;
}

/** The only error `importCard` and `exportCard` throw. Always final: the same input fails again. */
export class CardError extends Error {
  readonly retryable = false;
  readonly details: CardErrorDetails;

  constructor(
    readonly code: CardErrorCode,
    message: string,
    options?: { cause?: unknown; details?: CardErrorDetails },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CardError';
    this.details = options?.details ?? {};
  }
}

/** Runs `fn`, turning anything but a CardError into one with `code`: no TypeError or RangeError escapes. */
export function guard<T>(code: CardErrorCode, message: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CardError) throw err;
    throw new CardError(code, message, { cause: err });
  }
}

/** `1048576` → `1 MiB`, for messages that name a limit. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

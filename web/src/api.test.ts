import { describe, expect, it } from 'vitest';
import { toApiError } from './api.ts';

describe('toApiError', () => {
  it('when the body has the API error shape, then its code and message are kept', () => {
    const e = toApiError(404, 'Not Found', { error: { code: 'not_found', message: 'No such character' } });
    expect(e).toMatchObject({ code: 'not_found', message: 'No such character', status: 404 });
    expect(e.retryable).toBe(false);
  });

  it('when the body is something else, then the status speaks', () => {
    const e = toApiError(502, 'Bad Gateway', '<html>');
    expect(e).toMatchObject({ code: 'http_502', message: '502 Bad Gateway', status: 502 });
    expect(e.retryable).toBe(true);
  });

  it('when rate limited, then retrying may help', () => {
    expect(toApiError(429, '', { error: { code: 'rate_limited', message: 'Slow down' } }).retryable).toBe(
      true,
    );
  });
});

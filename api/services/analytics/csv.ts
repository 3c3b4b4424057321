import { ENGAGEMENT_CSV_COLUMNS, type SessionEngagement } from '../../../protocol/index.ts';

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function field(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Per-session engagement rows as CSV (header first, CRLF line ends); empty cells for null figures. */
export function engagementCsv(rows: readonly SessionEngagement[]): string {
  const lines = rows.map((r) =>
    [
      r.sessionId,
      r.createdAt,
      r.mode,
      r.lengthMs,
      r.personTurns,
      r.personWords,
      r.replies,
      r.interruptions,
      r.followUps,
      r.turnsPerMinute,
      r.wordsPerPersonTurn,
      r.followUpRate,
      r.bargeInsPerReply,
      r.sentiment.positive,
      r.sentiment.negative,
      r.sentiment.neutral,
      r.sentiment.meanScore,
      r.sentiment.net,
    ]
      .map(field)
      .join(','),
  );
  return [ENGAGEMENT_CSV_COLUMNS.join(','), ...lines].map((l) => `${l}\r\n`).join('');
}

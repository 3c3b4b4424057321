import type { SessionDetail } from '../../protocol/index.ts';

const clock = (iso: string) => iso.slice(11, 19);

/**
 * A session as plain text: a header, then one line per turn, `[hh:mm:ss] Speaker: text`, with an
 * interrupted reply marked and followed by the part the caller heard.
 */
export function transcriptText(session: SessionDetail): string {
  const header = [
    `Troupe session ${session.id}`,
    `Character: ${session.characterId}`,
    `Started: ${session.startedAt ?? session.createdAt}`,
    `Ended: ${session.endedAt ?? 'not ended'}`,
    ...(session.durationMs !== null ? [`Duration: ${Math.round(session.durationMs / 1000)} s`] : []),
  ];
  const lines = session.transcript.map((t) => {
    const line = `[${clock(t.startedAt)}] ${t.speakerName}: ${t.text}`;
    return t.interrupted ? `${line}\n    (interrupted; heard: ${t.heardText})` : line;
  });
  return `${[...header, '', ...lines].join('\n')}\n`;
}

import type { TurnRole } from '../../protocol/index.ts';

/**
 * The live transcript of a call as a pure reducer: LiveKit events in, lines out.
 *
 * The agent framework publishes transcriptions as text streams on the topic `lk.transcription`,
 * one segment per utterance, identified by the `lk.segment_id` attribute:
 * - the caller's words arrive as one short stream per interim result, each holding the whole
 *   text so far; the last one carries `lk.transcription_final: "true"`;
 * - the character's words arrive as one stream of deltas that closes when the utterance is done
 *   (spoken to the end or interrupted).
 * Both cases reduce to: a segment shows the text accumulated by its latest stream, and it is final
 * when a stream marked final closes, or when the character's stream closes.
 *
 * The framework also sends the same words as legacy transcription packets under different segment
 * ids; using both would double every line. Legacy segments are therefore shown only until the first
 * text stream arrives, which then replaces them.
 */

/** Where a line came from; legacy lines give way to text streams. */
export type TranscriptSource = 'stream' | 'legacy';

export interface TranscriptLine {
  segmentId: string;
  role: TurnRole;
  speakerIdentity: string;
  /** Shown beside the text: the character's name, or "You". */
  speakerName: string;
  text: string;
  final: boolean;
  source: TranscriptSource;
}

interface OpenStream {
  segmentId: string;
  role: TurnRole;
  text: string;
  /** The stream's `lk.transcription_final` attribute. */
  final: boolean;
}

export interface TranscriptState {
  /** In order of first appearance. */
  lines: TranscriptLine[];
  streams: Record<string, OpenStream>;
  /** Latest stream opened for each segment: only it may change the segment's text. */
  latestStream: Record<string, string>;
  sawStream: boolean;
}

export interface Speaker {
  role: TurnRole;
  identity: string;
  name: string;
}

export type TranscriptEvent =
  | { type: 'streamOpened'; streamId: string; segmentId: string; final: boolean; speaker: Speaker }
  | { type: 'streamChunk'; streamId: string; text: string }
  | { type: 'streamClosed'; streamId: string }
  | {
      type: 'legacySegments';
      speaker: Speaker;
      segments: ReadonlyArray<{ id: string; text: string; final: boolean }>;
    }
  | { type: 'reset' };

export const emptyTranscript: TranscriptState = {
  lines: [],
  streams: {},
  latestStream: {},
  sawStream: false,
};

function upsertLine(
  lines: TranscriptLine[],
  segmentId: string,
  create: () => TranscriptLine,
  update: (line: TranscriptLine) => TranscriptLine,
): TranscriptLine[] {
  const i = lines.findIndex((l) => l.segmentId === segmentId);
  if (i === -1) return [...lines, update(create())];
  const next = lines.slice();
  next[i] = update(lines[i] as TranscriptLine);
  return next;
}

export function reduceTranscript(state: TranscriptState, event: TranscriptEvent): TranscriptState {
  switch (event.type) {
    case 'reset':
      return emptyTranscript;

    case 'streamOpened': {
      const { streamId, segmentId, final, speaker } = event;
      const lines = state.sawStream ? state.lines : state.lines.filter((l) => l.source !== 'legacy');
      return {
        lines: upsertLine(
          lines,
          segmentId,
          () => ({
            segmentId,
            role: speaker.role,
            speakerIdentity: speaker.identity,
            speakerName: speaker.name,
            text: '',
            final: false,
            source: 'stream',
          }),
          (l) => l,
        ),
        streams: { ...state.streams, [streamId]: { segmentId, role: speaker.role, text: '', final } },
        latestStream: { ...state.latestStream, [segmentId]: streamId },
        sawStream: true,
      };
    }

    case 'streamChunk': {
      const stream = state.streams[event.streamId];
      if (stream === undefined || event.text === '') return state;
      const text = stream.text + event.text;
      const streams = { ...state.streams, [event.streamId]: { ...stream, text } };
      if (state.latestStream[stream.segmentId] !== event.streamId) return { ...state, streams };
      return {
        ...state,
        streams,
        lines: state.lines.map((l) => (l.segmentId === stream.segmentId && !l.final ? { ...l, text } : l)),
      };
    }

    case 'streamClosed': {
      const stream = state.streams[event.streamId];
      if (stream === undefined) return state;
      const { [event.streamId]: _closed, ...streams } = state.streams;
      const isLatest = state.latestStream[stream.segmentId] === event.streamId;
      const final = isLatest && (stream.final || stream.role === 'assistant');
      if (!final) return { ...state, streams };
      return {
        ...state,
        streams,
        lines: state.lines.map((l) =>
          l.segmentId === stream.segmentId ? { ...l, text: stream.text || l.text, final: true } : l,
        ),
      };
    }

    case 'legacySegments': {
      if (state.sawStream) return state;
      let lines = state.lines;
      for (const s of event.segments) {
        lines = upsertLine(
          lines,
          s.id,
          () => ({
            segmentId: s.id,
            role: event.speaker.role,
            speakerIdentity: event.speaker.identity,
            speakerName: event.speaker.name,
            text: '',
            final: false,
            source: 'legacy',
          }),
          (l) => (l.final ? l : { ...l, text: s.text, final: s.final }),
        );
      }
      return { ...state, lines };
    }
  }
}

/** What a transcription's sender and track say about who spoke. */
export interface SpeakerSource {
  /**
   * Identity the stream was sent for: a character's participant, or the person transcribed (the
   * agent sends a person's words under that person's identity).
   */
  senderIdentity: string;
  /** The `lk.transcribed_track_id` attribute, when present. */
  transcribedTrackId: string | undefined;
  localIdentity: string;
  localTrackSids: ReadonlySet<string>;
}

/** Who spoke a transcribed segment, as far as the call page knows. */
export interface SpeakerContext extends SpeakerSource {
  characterName: string;
}

/**
 * The caller's words are those transcribed from one of the caller's own tracks or sent under the
 * caller's identity; everything else on the topic is the character speaking.
 */
export function resolveSpeaker(ctx: SpeakerContext): Speaker {
  const isUser =
    (ctx.transcribedTrackId !== undefined && ctx.localTrackSids.has(ctx.transcribedTrackId)) ||
    ctx.senderIdentity === ctx.localIdentity;
  return isUser
    ? { role: 'user', identity: ctx.localIdentity, name: 'You' }
    : { role: 'assistant', identity: ctx.senderIdentity, name: ctx.characterName };
}

/** Lines worth showing: a segment whose first words have not arrived yet stays hidden. */
export function visibleLines(state: TranscriptState): TranscriptLine[] {
  return state.lines.filter((l) => l.text.trim() !== '');
}

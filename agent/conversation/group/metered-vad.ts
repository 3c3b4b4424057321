import type { ReadableStream } from 'node:stream/web';
import { VAD, type VADEvent, VADEventType, VADStream } from '@livekit/agents';
import type { AudioFrame } from '@livekit/rtc-node';

/** Speech heard so far in the current segment, in milliseconds of audio. */
export type SpeechMeter = (spokenMs: number) => void;

/**
 * A VAD that also says how much speech its streams have heard, in audio time, as they hear it:
 * `onSpeech` gets the `speechDuration` of every inference result inside a speech segment (the
 * measure the framework's own audio interruption uses), before the stream's consumer sees it.
 *
 * The wall-clock time between a VAD's start and end events is no measure of how long someone
 * spoke: on a loaded machine the VAD falls behind real time and catches up in a burst, so seconds
 * of speech can arrive as a start and an end a few milliseconds apart. The audio count stays right.
 */
export class MeteredVAD extends VAD {
  readonly label: string;
  readonly #inner: VAD;
  readonly #onSpeech: SpeechMeter;

  constructor(inner: VAD, onSpeech: SpeechMeter) {
    super(inner.capabilities);
    this.#inner = inner;
    this.#onSpeech = onSpeech;
    this.label = `MeteredVAD<${inner.label}>`;
  }

  override get minSilenceDuration(): number | null {
    return this.#inner.minSilenceDuration;
  }

  stream(): VADStream {
    return new MeteredVADStream(this, this.#inner.stream(), this.#onSpeech);
  }
}

/** Hands everything to the inner stream and reads its events on the consumer's behalf. */
class MeteredVADStream extends VADStream {
  readonly #inner: VADStream;
  readonly #onSpeech: SpeechMeter;

  constructor(vad: MeteredVAD, inner: VADStream, onSpeech: SpeechMeter) {
    super(vad);
    this.#inner = inner;
    this.#onSpeech = onSpeech;
  }

  override updateInputStream(audioStream: ReadableStream<AudioFrame>): void {
    this.#inner.updateInputStream(audioStream);
  }

  override detachInputStream(): void {
    this.#inner.detachInputStream();
  }

  override pushFrame(frame: AudioFrame): void {
    this.#inner.pushFrame(frame);
  }

  override flush(): void {
    this.#inner.flush();
  }

  override endInput(): void {
    this.#inner.endInput();
  }

  override async next(): Promise<IteratorResult<VADEvent>> {
    const result = await this.#inner.next();
    if (!result.done && result.value.type === VADEventType.INFERENCE_DONE && result.value.speaking)
      this.#onSpeech(result.value.speechDuration);
    return result;
  }

  override close(): void {
    this.#inner.close();
    super.close();
  }
}

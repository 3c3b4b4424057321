import {
  type AudioFrame,
  AudioStream,
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication,
  type Room,
  RoomEvent,
  TrackKind,
} from '@livekit/rtc-node';
import {
  type BroadcastOutputTargets,
  type Character,
  type ControlModerateMessage,
  type FloorMessage,
  STAGE_TOPIC,
  characterIdentity,
} from '../../protocol/index.ts';
import type { TwitchOptions } from '../config.ts';
import type { GroupConversation } from '../conversation/group/conversation.ts';
import type { FloorController } from '../conversation/group/floor.ts';
import { Program } from '../conversation/group/program.ts';
import { spreadPositions } from '../audio/pan.ts';
import type { Logger } from '../logger.ts';
import { AutonomousDirector, autonomousOptionsFromSettings, directorEventForFloor } from './autonomous.ts';
import {
  ChatBridge,
  type ChatRemoval,
  ChatRouter,
  ModerationEndpoint,
  Moderator,
  type RoutedItem,
  TwitchChat,
  chatReplyInstruction,
  chatUtterance,
  removalCovers,
} from './chat/index.ts';
import type { CommandOptions } from './commands.ts';
import { ShowCommands, chatCommandAction, controlPacket, lineCheck } from './commands-wiring.ts';
import { chatNoticeFromRouted, topicCueFor } from './notices.ts';
import { type BroadcastApi, avatarFile } from './broadcast-api.ts';
import { RtmpOutput } from './output/rtmp-output.ts';
import { ShowController } from './show.ts';
import { type BroadcastModerationOptions, broadcastModerationOptions } from './speech-moderation.ts';

/** What the broadcast needs from the group job it runs in. */
export interface BroadcastHost {
  room: Room;
  cast: readonly Character[];
  floor: FloorController;
  conversation: GroupConversation;
  /** The identity whose control messages are obeyed: the broadcast's owner (its host token). */
  ownerIdentity: string;
  /** Has a character say a line outside the floor (a dramatic switch's announcement). */
  say(characterId: string, text: string): Promise<void>;
  /** A character's answer to a show-control prompt in its own words, not said. */
  compose(characterId: string, prompt: string, signal: AbortSignal): Promise<string>;
  logger: Logger;
}

/** The worker's settings a broadcast runs with. */
export interface BroadcastRuntimeOptions {
  twitch: TwitchOptions;
  moderation: BroadcastModerationOptions;
  /** How show commands wait for the floor. @defaultValue defaultCommandOptions */
  commands?: Partial<CommandOptions>;
}

/** A track's frames as an async iterable (the program mixes any iterable of frames). */
async function* framesOf(stream: AudioStream): AsyncGenerator<AudioFrame> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * A broadcast running inside a group job: the room's program mixed and pushed over RTMP with a
 * drawn stage (built-in output), Twitch chat routed to the floor, the characters filling idle time,
 * and the owner's show control. Egress broadcasts skip the output: LiveKit Egress records the room.
 */
export class BroadcastRuntime {
  readonly #host: BroadcastHost;
  readonly #api: BroadcastApi;
  readonly #options: BroadcastRuntimeOptions;
  #output: RtmpOutput | null = null;
  #program: Program | null = null;
  #chat: TwitchChat | null = null;
  #bridge: ChatBridge | null = null;
  #router: ChatRouter | null = null;
  #director: AutonomousDirector | null = null;
  #show: ShowController;
  readonly #commands: ShowCommands;
  #autonomousOn = true;
  #reportedLive = false;
  readonly #pendingChat = new Map<string, RoutedItem>();
  readonly #muted = new Set<string>();
  readonly #offs: Array<() => void> = [];

  constructor(host: BroadcastHost, api: BroadcastApi, options: BroadcastRuntimeOptions) {
    this.#host = host;
    this.#api = api;
    this.#options = options;
    this.#show = new ShowController(host.cast.map((c) => ({ id: c.id, name: c.name })));
    this.#commands = new ShowCommands(
      {
        floor: host.floor,
        show: this.#show,
        compose: (characterId, prompt, signal) => host.compose(characterId, prompt, signal),
        check: lineCheck(options.moderation),
        setAutonomous: (enabled) => (this.#autonomousOn = enabled),
        moderate: (message) => this.#moderate(message),
        report: (id, report) => api.commandFinished(id, report),
        logger: host.logger,
      },
      options.commands,
    );
    // Show control from the start (the API may send as soon as the job joined; commands wait their
    // turn in the dispatcher): the owner's control page, and the API's packets sent by the server.
    const onData = (
      payload: Uint8Array,
      participant?: RemoteParticipant,
      _kind?: unknown,
      topic?: string,
    ) => {
      const command = controlPacket(payload, participant, topic, host.ownerIdentity);
      if (command) this.#commands.submit(command.source, command.action, command.id);
    };
    host.room.on(RoomEvent.DataReceived, onData);
    this.#offs.push(
      () => host.room.off(RoomEvent.DataReceived, onData),
      host.floor.subscribe((e) => e.type === 'publish' && this.#commands.floorChanged(e.message)),
    );
    if (host.floor.state.published) this.#commands.floorChanged(host.floor.state.published);
  }

  async start(output: 'builtin' | 'egress'): Promise<void> {
    const { cast, floor, logger } = this.#host;
    const targets = await this.#api.output();

    this.#offs.push(
      this.#show.subscribe((effect) => {
        if (effect.type === 'publish') this.#publish(STAGE_TOPIC, effect.message);
        else if (effect.type === 'announce')
          void this.#host
            .say(effect.byCharacterId, effect.text)
            .finally(() => this.#show.announcementFinished(effect.switchId));
      }),
    );

    if (output === 'builtin') await this.#startOutput(targets);

    // Autonomous talk: the director proposes, the floor decides (it never talks over anyone).
    this.#autonomousOn = targets.autonomous.enabled;
    this.#director = new AutonomousDirector(
      cast.map((c) => ({ id: c.id, name: c.name, talkativeness: c.talkativeness })),
      autonomousOptionsFromSettings(targets.autonomous),
      { onError: (err) => logger.error({ err }, 'autonomous effect failed') },
    );
    this.#offs.push(
      this.#director.subscribe((effect) => {
        if (effect.type !== 'startTopic' && effect.type !== 'react') return;
        if (effect.type === 'startTopic' && !this.#autonomousOn) return;
        floor.dispatch({
          type: 'autonomousTopic',
          topic: topicCueFor(effect),
          ...(effect.characterId ? { characterId: effect.characterId } : {}),
        });
      }),
    );

    // Chat, when a channel is set: read anonymously unless the broadcast has an OAuth token.
    if (targets.chat.channel) await this.#startChat(targets);

    this.#offs.push(
      floor.subscribe((effect) => {
        if (effect.type !== 'publish') return;
        this.#onFloor(effect.message);
      }),
    );
    this.#show.publishState();
    if (output === 'egress') logger.info({}, 'broadcast running on LiveKit Egress');
  }

  /** Person speech, for autonomous talk to yield to. */
  humanSpeech(identity: string, speaking: boolean): void {
    this.#director?.dispatch({ type: speaking ? 'humanSpeechStarted' : 'humanSpeechStopped', identity });
  }

  /** A finished utterance or reply: captions on the stage and in the video. */
  caption(speaker: string, name: string, text: string): void {
    this.#show.caption(speaker, name, text, true);
    this.#output?.caption(name, text);
  }

  /** A character's reply ended: a chatter it answered gets the answer in chat too. */
  replied(characterId: string, replyTo: string | null, heardText: string): void {
    this.#director?.dispatch({ type: 'characterFinished', characterId });
    const item = replyTo ? this.#pendingChat.get(replyTo) : undefined;
    if (!item || !replyTo) return;
    this.#pendingChat.delete(replyTo);
    void this.#bridge?.replied(item, heardText);
  }

  /** A show-control line's turn ended. */
  lineEnded(lineId: string, outcome: { audible: boolean; heardText: string; interrupted: boolean }): void {
    this.#commands.lineEnded(lineId, outcome);
  }

  audible(characterId: string, audible: boolean): void {
    if (audible) this.#director?.dispatch({ type: 'characterSpeaking', characterId });
    this.#show.speaking(characterId, 'character', audible);
    this.#output?.setSpeaking(audible ? characterId : null);
  }

  async stop(): Promise<void> {
    for (const off of this.#offs.splice(0)) off();
    await this.#commands.close();
    this.#bridge?.close();
    await this.#chat?.close();
    this.#director?.close();
    this.#show.close();
    this.#program?.close();
    await this.#output?.stop();
    if (this.#output) await this.#api.status('ended');
  }

  async #startOutput(targets: BroadcastOutputTargets): Promise<void> {
    const { room, cast, logger } = this.#host;
    if (targets.rtmp.length === 0) {
      await this.#api.status('failed', 'no RTMP destination: set a Twitch stream key or add a destination');
      return;
    }
    const stage = await Promise.all(
      cast.map(async (c) => ({ id: c.id, name: c.name, avatarPath: await avatarFile(this.#api, c) })),
    );
    const output = new RtmpOutput(
      stage,
      targets.rtmp.map((t) => t.url),
      { video: { width: targets.video.width, height: targets.video.height, fps: targets.video.fps } },
    );
    this.#output = output;
    this.#offs.push(
      output.onStatus((s) => {
        logger.info({ output: s.state, attempts: s.attempts, error: s.lastError }, 'broadcast output');
        if (s.state === 'live' && !this.#reportedLive) {
          this.#reportedLive = true;
          void this.#api.status('live');
        }
      }),
    );
    // The program: every voice in the room, each character at its own place in the stereo field.
    const program = new Program();
    this.#program = program;
    const pans = spreadPositions(cast.length);
    const panOf = (identity: string) => {
      const i = cast.findIndex((c) => identity === characterIdentity(c.id));
      return i >= 0 ? (pans[i] ?? 0) : 0;
    };
    const mix = (track: RemoteTrack, _pub: RemoteTrackPublication, p: RemoteParticipant) => {
      if (track.kind !== TrackKind.KIND_AUDIO) return;
      program.addStream(
        `${p.identity}/${track.sid}`,
        framesOf(new AudioStream(track, { sampleRate: 48_000, numChannels: 1 })),
        {
          pan: panOf(p.identity),
        },
      );
    };
    room.on(RoomEvent.TrackSubscribed, mix);
    this.#offs.push(() => room.off(RoomEvent.TrackSubscribed, mix));
    for (const p of room.remoteParticipants.values())
      for (const pub of p.trackPublications.values())
        if (pub.track) mix(pub.track as RemoteTrack, pub as RemoteTrackPublication, p);
    output.start();
    void (async () => {
      for await (const frame of program.frames()) output.writeAudio(frame.data);
    })();
  }

  async #startChat(targets: BroadcastOutputTargets): Promise<void> {
    const { cast, conversation, logger } = this.#host;
    const { twitch, moderation } = this.#options;
    const named = cast.map((ch) => ({ id: ch.id, name: ch.name }));
    const moderator = new Moderator(broadcastModerationOptions(moderation));
    this.#router = new ChatRouter({
      characters: named,
      moderation: moderator,
      ...(twitch.username ? { ignoreUsers: [twitch.username] } : {}),
    });
    this.#chat = new TwitchChat(
      {
        channel: targets.chat.channel,
        host: twitch.ircHost,
        port: twitch.ircPort,
        secure: twitch.ircSecure,
        ...(targets.chat.oauthToken && twitch.username
          ? { username: twitch.username, token: targets.chat.oauthToken }
          : {}),
      },
      logger,
    );
    this.#chat.onMessage((m) => {
      if (this.#muted.has(m.user.toLowerCase()) || this.#muted.has(m.displayName.toLowerCase())) return;
      this.#router?.receive(m);
      this.#director?.dispatch({ type: 'chatActivity', user: m.user, text: m.text });
      // The stage and the video show only what chat moderation lets in.
      if (!moderator.checkIncoming(m.text).ok) return;
      this.#show.chat(m.displayName, m.text);
      this.#output?.chat(m.displayName, m.text);
    });
    this.#chat.onRemoval((removal) => this.#removeChat(removal));
    this.#bridge = new ChatBridge(
      this.#router,
      {
        deliver: (item) => {
          const u = chatUtterance(item, named);
          if (u) {
            this.#pendingChat.set(u.identity, item);
            conversation.instructNextReplyTo(u.identity, chatReplyInstruction(item));
            conversation.utterance(
              {
                identity: u.identity,
                name: u.name,
                text: u.text,
                startedAt: Date.now(),
                endedAt: Date.now(),
              },
              'chat',
            );
            return true;
          }
          if (item.kind === 'notice') {
            const notice = chatNoticeFromRouted(item);
            if (notice) {
              this.#director?.dispatch({ type: 'notice', notice });
              this.#show.notice(notice);
            }
            return false;
          }
          if (item.kind === 'command')
            this.#commands.submit('chat', chatCommandAction(item, this.#show.active));
          return false;
        },
      },
      moderation.endpoint ? { endpoint: new ModerationEndpoint(moderation.endpoint) } : {},
      { out: this.#chat, logger },
    );
    // The floor tells the bridge when it changes hands; until it first does, it is open.
    if (
      this.#host.floor.state.published?.state !== 'character' &&
      this.#host.floor.state.published?.state !== 'human'
    )
      this.#bridge.floorFree();
    try {
      await this.#chat.connect();
      logger.info({ anonymous: !targets.chat.oauthToken }, 'twitch chat connected');
    } catch (err) {
      logger.warn({ err }, 'twitch chat unavailable; the show goes on without it');
    }
  }

  /** A moderator took chat back: nothing it covers is answered, aloud or in chat. */
  #removeChat(removal: ChatRemoval): void {
    const removed = this.#router?.remove(removal) ?? 0;
    for (const [identity, item] of this.#pendingChat)
      if (removalCovers(removal, item)) this.#pendingChat.delete(identity);
    this.#host.logger.info({ removal: removal.kind, removed }, 'chat taken back by a moderator');
  }

  #onFloor(message: FloorMessage): void {
    this.#director?.dispatch(directorEventForFloor(message));
    if (message.state === 'open') this.#bridge?.floorFree();
    else this.#bridge?.floorBusy();
  }

  #moderate(msg: ControlModerateMessage): void {
    // Acting on Twitch itself needs a moderator's token and Twitch's API; here a timed-out or
    // banned chatter is muted for the rest of the show, and a deleted line is not answered.
    if (msg.action !== 'delete') this.#muted.add(msg.user.toLowerCase());
    this.#removeChat(
      msg.action === 'delete' && msg.messageId
        ? { kind: 'message', messageId: msg.messageId, user: msg.user.toLowerCase() }
        : { kind: 'user', user: msg.user.toLowerCase(), action: msg.action === 'ban' ? 'ban' : 'timeout' },
    );
    this.#host.logger.info({ action: msg.action }, 'chat moderation from the control page');
  }

  #publish(topic: string, message: unknown): void {
    void this.#host.room.localParticipant
      ?.publishData(new TextEncoder().encode(JSON.stringify(message)), { reliable: true, topic })
      .catch(() => undefined);
  }
}

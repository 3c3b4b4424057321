import { z } from 'zod';
import { CharacterId } from './characters.ts';
import { GestureName, StageTransition } from './broadcast-stage.ts';

// The show-control API: what a stream deck, a bot or a script asks of a running broadcast
// (`POST /api/broadcasts/:id/control`), how the API hands it to the broadcast's job (a server-sent
// data packet on the control topic, which no participant can forge), and what became of it (the
// job's report to the API, the answer, the GET and the owner's webhook).

/** `say`: the character speaks these exact words. */
export const SayAction = z
  .object({
    type: z.literal('say'),
    characterId: CharacterId,
    text: z.string().trim().min(1).max(1000),
    /**
     * `now`: as soon as no person is talking, cutting off a character who is speaking; `next`: after
     * whoever holds the floor now, in order behind earlier lines. Neither ever talks over a person.
     * @defaultValue 'next'
     */
    when: z.enum(['now', 'next']).default('next'),
  })
  .strict();
export type SayAction = z.infer<typeof SayAction>;

/** `prompt`: the character answers `prompt` in its own words (its LLM, its persona). */
export const PromptAction = z
  .object({
    type: z.literal('prompt'),
    characterId: CharacterId,
    prompt: z.string().trim().min(1).max(2000),
    /** Speak the answer (queued like a `say` with `when: next`); false: only return its text. @defaultValue true */
    speak: z.boolean().default(true),
  })
  .strict();
export type PromptAction = z.infer<typeof PromptAction>;

/** How strongly a gesture holds: a held gesture refuses gestures of lower priority (chat's are `low`). */
export const GesturePriority = z.enum(['low', 'normal', 'high']);
export type GesturePriority = z.infer<typeof GesturePriority>;

const gesture = <T extends 'expression' | 'motion'>(type: T) =>
  z
    .object({
      type: z.literal(type),
      characterId: CharacterId,
      name: GestureName,
      /**
       * Hold it this long: until then gestures of lower priority for this character are refused,
       * and an expression then returns to the one shown before. @defaultValue undefined (no hold)
       */
      durationMs: z.number().int().min(100).max(600_000).optional(),
      /** @defaultValue 'normal' */
      priority: GesturePriority.default('normal'),
    })
    .strict();

export const ExpressionAction = gesture('expression');
export type ExpressionAction = z.infer<typeof ExpressionAction>;
export const MotionAction = gesture('motion');
export type MotionAction = z.infer<typeof MotionAction>;

/** Put `characterId` in the spotlight. */
export const SwitchAction = z
  .object({
    type: z.literal('switch'),
    characterId: CharacterId,
    transition: StageTransition.default('smooth'),
  })
  .strict();
export type SwitchAction = z.infer<typeof SwitchAction>;

/** A topic for a character to bring up at the next open floor. */
export const TopicAction = z
  .object({ type: z.literal('topic'), text: z.string().trim().min(1).max(300) })
  .strict();
export type TopicAction = z.infer<typeof TopicAction>;

/** One show-control action. */
export const ShowControlAction = z.discriminatedUnion('type', [
  SayAction,
  PromptAction,
  ExpressionAction,
  MotionAction,
  SwitchAction,
  TopicAction,
]);
export type ShowControlAction = z.infer<typeof ShowControlAction>;
export type ShowControlActionType = ShowControlAction['type'];

/**
 * How long the request waits for the outcome before answering 202 `pending`, in ms; the API's
 * `SHOW_CONTROL_MAX_WAIT_MS` caps it. Also accepted as the `waitMs` query parameter.
 */
export const ShowControlWaitMs = z.coerce.number().int().min(0).max(600_000);

/** `POST /api/broadcasts/:id/control`: one action, and optionally how long to wait for its outcome. */
const waitMs = { waitMs: ShowControlWaitMs.optional() };
export const ShowControlRequest = z.discriminatedUnion('type', [
  SayAction.extend(waitMs),
  PromptAction.extend(waitMs),
  ExpressionAction.extend(waitMs),
  MotionAction.extend(waitMs),
  SwitchAction.extend(waitMs),
  TopicAction.extend(waitMs),
]);
export type ShowControlRequest = z.infer<typeof ShowControlRequest>;

/**
 * What became of a command: `pending` (not finished yet), `spoken` (heard in full), `dropped`
 * (see `reason`), `moderated` (moderation kept the words off air: nothing was said), `done` (a
 * gesture, switch or topic took effect; a `prompt` with `speak: false` answered).
 */
export const ShowCommandOutcome = z.enum(['pending', 'spoken', 'dropped', 'moderated', 'done']);
export type ShowCommandOutcome = z.infer<typeof ShowCommandOutcome>;

/**
 * Why a command was dropped: `superseded` (a newer `say now` cut the line off, a newer switch
 * overtook a dramatic one), `noFloor` (no free floor within the job's wait), `interrupted` (a
 * person cut the line off; `text` is what was heard), `rejected` (the show refused it: unknown
 * character, expression or motion; see `message`), `lowerPriority` (a held gesture of higher
 * priority), `rateLimited` (chat commands only), `queueFull`, `failed` (the character's LLM did
 * not answer), `notRunning` (the show ended first), `lost` (no answer from the show within the
 * API's command lifetime).
 */
export const ShowDropReason = z.enum([
  'superseded',
  'noFloor',
  'interrupted',
  'rejected',
  'lowerPriority',
  'rateLimited',
  'queueFull',
  'failed',
  'notRunning',
  'lost',
]);
export type ShowDropReason = z.infer<typeof ShowDropReason>;

/**
 * A finished command's result, as the job reports it (`POST /api/internal/broadcasts/:id/control/
 * :commandId`); `pending` is the API's alone.
 */
export const ShowCommandReport = z
  .object({
    outcome: ShowCommandOutcome.exclude(['pending']),
    /** With `dropped` (and `moderated`: `rejected` is not used there). */
    reason: ShowDropReason.optional(),
    /** Why, in words fit to show the streamer. */
    message: z.string().max(500).optional(),
    /** What was said (`spoken`; the heard part when cut off) or the answer of a `prompt`. */
    text: z.string().max(4000).optional(),
  })
  .strict();
export type ShowCommandReport = z.infer<typeof ShowCommandReport>;

/** A command as the API answers it (POST, GET) and the webhook delivers it. */
export const ShowCommand = z.object({
  id: z.uuid(),
  /** The broadcast it was sent to; null for a command sent to a group session (`POST /api/sessions/:id/control`). */
  broadcastId: z.uuid().nullable(),
  /** The group session it was sent into (a broadcast's run, or the session itself); null once that session is deleted. */
  sessionId: z.uuid().nullable(),
  type: z.enum(['say', 'prompt', 'expression', 'motion', 'switch', 'topic']),
  outcome: ShowCommandOutcome,
  reason: ShowDropReason.optional(),
  message: z.string().optional(),
  text: z.string().optional(),
  createdAt: z.iso.datetime(),
  /** Null while `pending`. */
  finishedAt: z.iso.datetime().nullable(),
});
export type ShowCommand = z.infer<typeof ShowCommand>;

/**
 * The actions `POST /api/sessions/:id/control` takes: a group session has no stage, so
 * `expression`, `motion` and `switch` are refused there (400 `not_supported_in_group_call`).
 */
export const SESSION_CONTROL_ACTIONS = [
  'say',
  'prompt',
  'topic',
] as const satisfies readonly ShowControlActionType[];

/**
 * The API's packet to the broadcast's job, sent by the server (livekit-server-sdk `sendData`) on
 * the control topic to the job's identity only: the job trusts it because no participant can send
 * a packet without a sender.
 */
export const ShowCommandMessage = z
  .object({ type: z.literal('command'), id: z.uuid(), action: ShowControlAction })
  .strict();
export type ShowCommandMessage = z.infer<typeof ShowCommandMessage>;

/** `PUT /api/broadcasts/:id/control-webhook`: where finished commands are posted. */
export const ShowControlWebhookRequest = z
  .object({
    url: z
      .string()
      .max(2048)
      .pipe(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }))
      .refine((u) => !/^https?:\/\/[^/]*@/.test(u), 'must not carry credentials'),
  })
  .strict();
export type ShowControlWebhookRequest = z.infer<typeof ShowControlWebhookRequest>;

/** The webhook as the API shows it; `secret` only in the answer to the PUT that set it. */
export const ShowControlWebhook = z.object({
  url: z.string(),
  /** The HMAC-SHA256 key of the signature header; shown once (a new PUT makes a new one). */
  secret: z.string().optional(),
});
export type ShowControlWebhook = z.infer<typeof ShowControlWebhook>;

/** The webhook's signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export const SHOW_CONTROL_SIGNATURE_HEADER = 'x-troupe-signature';

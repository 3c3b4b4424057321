import { type SQL, sql } from 'drizzle-orm';
import {
  boolean,
  check,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { CharacterVoice, Persona, ProviderInfo } from '../protocol/index.ts';

/** Raw bytes; both drivers hand back a Buffer (PGlite gives a Uint8Array, wrapped without a copy). */
const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength),
});

/** A Postgres full-text document; written only by the database (generated columns). */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** An account. Emails are stored lowercased and unique whatever their case. */
export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    /**
     * `scrypt$<N>$<r>$<p>$<salt>$<key>` (base64url salt and key): the parameters travel with the
     * hash so that they can be raised later and old hashes still verify.
     */
    passwordHash: text('password_hash').notNull(),
    role: text('role', { enum: ['user', 'operator'] })
      .notNull()
      .default('user'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('users_email_lower_idx').on(sql`lower(${t.email})`)],
);

/** A revocable credential for scripts. Only a hash of the secret is kept; it is shown once. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** The visible part of the key (`trp_<prefix>_…`), used to find the row. */
    prefix: text('prefix').notNull(),
    /** sha256 (hex) of the whole key: keys are random and long, so a slow hash adds nothing. */
    keyHash: text('key_hash').notNull(),
    createdAt: createdAt(),
    lastUsedAt: instant('last_used_at'),
    revokedAt: instant('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_prefix_idx').on(t.prefix), index('api_keys_user_idx').on(t.userId)],
);

export const characters = pgTable(
  'characters',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    tagline: text('tagline').notNull(),
    persona: jsonb('persona').$type<Persona>().notNull(),
    greeting: text('greeting').notNull(),
    avatarUrl: text('avatar_url').notNull(),
    voice: jsonb('voice').$type<CharacterVoice>().notNull(),
    builtIn: boolean('built_in').notNull().default(false),
    /** The account that made it; null for the characters seeded by the server (built-ins). */
    ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'cascade' }),
    visibility: text('visibility', { enum: ['private', 'public'] })
      .notNull()
      .default('private'),
    description: text('description').notNull().default(''),
    alternateGreetings: jsonb('alternate_greetings').$type<string[]>().notNull().default([]),
    exampleDialogue: text('example_dialogue').notNull().default(''),
    talkativeness: doublePrecision('talkativeness').notNull().default(0.5),
    tags: jsonb('tags').$type<string[]>().notNull().default([]),
    /**
     * The card this character was imported from, as parsed: export writes back every field of it
     * that Troupe does not own. Never returned by the public API.
     */
    cardRaw: jsonb('card_raw').$type<unknown>(),
    /**
     * sha256 (hex) of the imported card's data fields in a stable serialisation
     * (api/cards/library-hash.ts): a library import skips a card its owner already imported.
     */
    cardHash: text('card_hash'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    index('characters_owner_idx').on(t.ownerId),
    index('characters_owner_card_hash_idx').on(t.ownerId, t.cardHash),
    // A character nobody owns could otherwise be private to no one.
    check('characters_ownerless_public', sql`${t.ownerId} is not null or ${t.visibility} = 'public'`),
    check('characters_built_in_ownerless', sql`not ${t.builtIn} or ${t.ownerId} is null`),
  ],
);

/** A character's lorebook entry (a card's `character_book.entries[i]`). */
export const knowledgeEntries = pgTable(
  'knowledge_entries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    characterId: text('character_id')
      .notNull()
      .references(() => characters.id, { onDelete: 'cascade' }),
    /** Words that bring the entry into the prompt. */
    keys: jsonb('keys').$type<string[]>().notNull().default([]),
    content: text('content').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    name: text('name'),
    /** Lower priorities are dropped first when the prompt's budget runs out. */
    priority: integer('priority'),
    /** Position in the imported card's `character_book.entries`, so export keeps that entry's other fields. */
    sourceIndex: integer('source_index'),
    createdAt: createdAt(),
  },
  (t) => [index('knowledge_entries_character_idx').on(t.characterId)],
);

/** An uploaded text or Markdown document a character knows. Its text is searched through its chunks. */
export const knowledgeDocuments = pgTable(
  'knowledge_documents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    characterId: text('character_id')
      .notNull()
      .references(() => characters.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    format: text('format', { enum: ['text', 'markdown'] }).notNull(),
    content: text('content').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('knowledge_documents_character_idx').on(t.characterId)],
);

/**
 * A passage retrieved for a turn: a piece of a document, or a whole lorebook entry. Exactly one of
 * document_id and entry_id is set; deleting either deletes its chunks.
 */
export const knowledgeChunks = pgTable(
  'knowledge_chunks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    characterId: text('character_id')
      .notNull()
      .references(() => characters.id, { onDelete: 'cascade' }),
    documentId: uuid('document_id').references(() => knowledgeDocuments.id, { onDelete: 'cascade' }),
    entryId: uuid('entry_id').references(() => knowledgeEntries.id, { onDelete: 'cascade' }),
    /** Position within its document. */
    ordinal: integer('ordinal').notNull(),
    /** Heading path of a Markdown chunk (`Setting › The harbour`), empty otherwise. */
    heading: text('heading').notNull().default(''),
    content: text('content').notNull(),
    search: tsvector('search')
      .notNull()
      .generatedAlwaysAs(
        (): SQL =>
          sql`to_tsvector('english', ${knowledgeChunks.heading} || ' ' || ${knowledgeChunks.content})`,
      ),
  },
  (t) => [
    index('knowledge_chunks_character_idx').on(t.characterId),
    index('knowledge_chunks_search_idx').using('gin', t.search),
    check('knowledge_chunks_one_source', sql`(${t.documentId} is null) <> (${t.entryId} is null)`),
  ],
);

/** An uploaded avatar image, served at `/api/characters/:id/avatar`. */
export const characterAvatars = pgTable('character_avatars', {
  characterId: text('character_id')
    .primaryKey()
    .references(() => characters.id, { onDelete: 'cascade' }),
  contentType: text('content_type', { enum: ['image/png', 'image/jpeg', 'image/webp'] }).notNull(),
  data: bytea('data').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey(),
    mode: text('mode', { enum: ['call', 'group'] }).notNull(),
    /** The character of a call; a group's first character (all of them are in session_characters). */
    characterId: text('character_id')
      .notNull()
      .references(() => characters.id, { onDelete: 'restrict' }),
    /**
     * The account that started the call. Null only for sessions created before accounts existed
     * (the migration adds a check that refuses a null for any later row); those are visible to
     * operators only and are handed to the operator account at start-up.
     */
    ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'cascade' }),
    roomName: text('room_name').notNull(),
    callerIdentity: text('caller_identity').notNull(),
    callerName: text('caller_name').notNull(),
    status: text('status', { enum: ['created', 'active', 'ended', 'failed'] })
      .notNull()
      .default('created'),
    providers: jsonb('providers').$type<ProviderInfo>(),
    /**
     * What the agent is dispatched with (protocol's `DispatchMetadata`), kept so that the API can
     * dispatch again when the first dispatch was dropped or the agent was lost mid-call.
     */
    dispatch: jsonb('dispatch').$type<unknown>(),
    /** Dispatches made so far, the first included (reset when a joined agent is lost). */
    dispatchAttempts: integer('dispatch_attempts').notNull().default(1),
    /** When the agent supervisor next looks at this session; null while nothing is awaited. */
    nextCheckAt: timestamp('next_check_at', { withTimezone: true, mode: 'date' }),
    /** Since when the session has been waiting for its agent; null while the agent is in the room. */
    agentWaitingSince: timestamp('agent_waiting_since', { withTimezone: true, mode: 'date' }).defaultNow(),
    /** When a worker last accepted this session's job that has not arrived (or ended) yet. */
    agentAcceptedAt: timestamp('agent_accepted_at', { withTimezone: true, mode: 'date' }),
    /** The job participant that joined (its identity), while it is in the room. */
    agentIdentity: text('agent_identity'),
    /** Why no agent came (status `failed`), or why the last one was lost. */
    agentReason: text('agent_reason'),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    endedAt: timestamp('ended_at', { withTimezone: true, mode: 'date' }),
    durationMs: integer('duration_ms'),
    /**
     * Group settings chosen at creation (floor rules, relationships between the characters);
     * null for calls. Shape: protocol's `GroupSettings`.
     */
    settings: jsonb('settings').$type<unknown>(),
  },
  (t) => [
    uniqueIndex('sessions_room_name_idx').on(t.roomName),
    index('sessions_character_idx').on(t.characterId),
    index('sessions_owner_idx').on(t.ownerId),
    index('sessions_next_check_idx').on(t.nextCheckAt),
  ],
);

/** The characters of a session in their order (one row for a call, 2–6 for a group). */
export const sessionCharacters = pgTable(
  'session_characters',
  {
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    characterId: text('character_id')
      .notNull()
      .references(() => characters.id, { onDelete: 'restrict' }),
    position: integer('position').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.sessionId, t.characterId] }),
    index('session_characters_character_idx').on(t.characterId),
  ],
);

/**
 * Everyone who was in a session's room, from LiveKit's participant webhooks: one row per identity,
 * with the first join and the last leave (null while present).
 */
export const sessionParticipants = pgTable(
  'session_participants',
  {
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    identity: text('identity').notNull(),
    name: text('name').notNull(),
    /** LiveKit's participant kind (`STANDARD`, `AGENT`, `SIP`, …). */
    kind: text('kind').notNull(),
    joinedAt: instant('joined_at').notNull(),
    leftAt: instant('left_at'),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.identity] })],
);

/** A link that lets someone without an account join one session's room until it expires. */
export const invites = pgTable(
  'invites',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    /** sha256 (hex) of the code; the code itself is shown once. */
    codeHash: text('code_hash').notNull(),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: instant('expires_at').notNull(),
    revokedAt: instant('revoked_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('invites_code_hash_idx').on(t.codeHash), index('invites_session_idx').on(t.sessionId)],
);

/** One utterance (a user turn or a character's reply) with its per-turn metrics. */
export const messages = pgTable(
  'messages',
  {
    /** Chosen by the agent: reporting the same turn twice inserts it once. */
    id: uuid('id').primaryKey(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['user', 'assistant'] }).notNull(),
    speaker: text('speaker').notNull(),
    speakerName: text('speaker_name').notNull(),
    text: text('text').notNull(),
    heardText: text('heard_text').notNull(),
    interrupted: boolean('interrupted').notNull().default(false),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true, mode: 'date' }).notNull(),
    eouDelayMs: doublePrecision('eou_delay_ms'),
    sttDelayMs: doublePrecision('stt_delay_ms'),
    llmTtftMs: doublePrecision('llm_ttft_ms'),
    ttsTtfbMs: doublePrecision('tts_ttfb_ms'),
    voiceToVoiceMs: doublePrecision('voice_to_voice_ms'),
    /** Where a turn came from: speech in the room, a chat message, the characters' own initiative, or the show-control API. */
    source: text('source', { enum: ['voice', 'chat', 'autonomous', 'api'] })
      .notNull()
      .default('voice'),
    /** Group calls: silence between the previous character's last audio and this reply's first. */
    handoverGapMs: doublePrecision('handover_gap_ms'),
    createdAt: createdAt(),
  },
  (t) => [index('messages_session_started_idx').on(t.sessionId, t.startedAt)],
);

/**
 * What a companion remembers of one call with its owner, written by the agent at the call's end;
 * the next calls between the same person and character start with the latest of these in context.
 */
export const memories = pgTable(
  'memories',
  {
    /** One memory per session: a repeated report replaces it. */
    sessionId: uuid('session_id')
      .primaryKey()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    characterId: text('character_id')
      .notNull()
      .references(() => characters.id, { onDelete: 'cascade' }),
    summary: text('summary').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('memories_owner_character_idx').on(t.ownerId, t.characterId, t.createdAt)],
);

/**
 * Engagement rollups (api/services/engagement/), kept up to date as turns are recorded. A turn is
 * counted at most once: its row here is written in the same transaction as the counters it adds to.
 */
export const turnSignals = pgTable('turn_signals', {
  messageId: uuid('message_id')
    .primaryKey()
    .references(() => messages.id, { onDelete: 'cascade' }),
  /** The character whose reply this person turn answers (a follow-up); null when it answers none. */
  follows: text('follows'),
  countedAt: timestamp('counted_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

/** A session's person-side counters: people's turns, their words and sentiment, and its turn span. */
export const sessionEngagement = pgTable('session_engagement', {
  sessionId: uuid('session_id')
    .primaryKey()
    .references(() => sessions.id, { onDelete: 'cascade' }),
  personTurns: integer('person_turns').notNull().default(0),
  personWords: integer('person_words').notNull().default(0),
  positiveTurns: integer('positive_turns').notNull().default(0),
  negativeTurns: integer('negative_turns').notNull().default(0),
  neutralTurns: integer('neutral_turns').notNull().default(0),
  /** Sum of the person turns' lexicon scores. */
  sentimentScore: doublePrecision('sentiment_score').notNull().default(0),
  firstTurnAt: instant('first_turn_at'),
  lastTurnAt: instant('last_turn_at'),
});

/** A session's counters for one character: its replies, how many were cut short, follow-ups to them. */
export const sessionCharacterEngagement = pgTable(
  'session_character_engagement',
  {
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    characterId: text('character_id').notNull(),
    replies: integer('replies').notNull().default(0),
    interruptedReplies: integer('interrupted_replies').notNull().default(0),
    followUps: integer('follow_ups').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.characterId] })],
);

/** How often people said each term in a session (stop words removed, normalised). */
export const sessionTerms = pgTable(
  'session_terms',
  {
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    term: text('term').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.term] })],
);

/** A destination as stored: its key, if any, sealed like the other broadcast secrets. */
export interface StoredDestination {
  /** Random; part of the key's associated data, and how a PATCH keeps a key it does not resend. */
  id: string;
  name: string;
  url: string;
  /** `v1.<iv>.<tag>.<ciphertext>`, or null when the destination takes no key. */
  streamKeyEnc: string | null;
}

/**
 * A show on Twitch (and other RTMP destinations) played by a group of characters. Stream keys and
 * the chat token are sealed with AES-256-GCM (api/services/broadcasts/secrets.ts), bound to the row
 * id and field name; they are never stored, returned or logged in clear.
 */
export const broadcasts = pgTable(
  'broadcasts',
  {
    id: uuid('id').primaryKey(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    /** Character ids in order (2–6); checked against the catalog when the broadcast starts. */
    characterIds: jsonb('character_ids').$type<string[]>().notNull(),
    twitchChannel: text('twitch_channel').notNull(),
    twitchIngestUrl: text('twitch_ingest_url').notNull(),
    twitchStreamKeyEnc: text('twitch_stream_key_enc'),
    twitchChatTokenEnc: text('twitch_chat_token_enc'),
    destinations: jsonb('destinations').$type<StoredDestination[]>().notNull().default([]),
    /** Shape: protocol's `AutonomousSettings`. */
    autonomous: jsonb('autonomous').$type<unknown>().notNull(),
    /** Shape: protocol's `GroupSettings`. */
    settings: jsonb('settings').$type<unknown>().notNull(),
    /** Shape: protocol's `BroadcastVideo`. */
    video: jsonb('video').$type<unknown>().notNull(),
    output: text('output', { enum: ['auto', 'egress', 'builtin'] })
      .notNull()
      .default('auto'),
    outputUsed: text('output_used', { enum: ['egress', 'builtin'] }),
    status: text('status', { enum: ['idle', 'starting', 'live', 'stopping', 'ended', 'failed'] })
      .notNull()
      .default('idle'),
    /** The group session of the current or last run; kept (null) when that session is deleted. */
    sessionId: uuid('session_id').references(() => sessions.id, { onDelete: 'set null' }),
    egressId: text('egress_id'),
    lastError: text('last_error'),
    startedAt: instant('started_at'),
    endedAt: instant('ended_at'),
    /** Where finished show-control commands are posted (api/services/show-control-webhook.ts). */
    controlWebhookUrl: text('control_webhook_url'),
    /** The webhook's HMAC key, sealed like the stream keys; shown once when set. */
    controlWebhookSecretEnc: text('control_webhook_secret_enc'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    index('broadcasts_owner_idx').on(t.ownerId, t.createdAt),
    index('broadcasts_session_idx').on(t.sessionId),
    index('broadcasts_egress_idx').on(t.egressId),
  ],
);

/**
 * A show-control command sent to a running broadcast (`POST /api/broadcasts/:id/control`) and what
 * became of it, as its job reported. Any API replica answers a wait or a GET from here.
 */
export const controlCommands = pgTable(
  'control_commands',
  {
    id: uuid('id').primaryKey(),
    /** The broadcast it was sent to; null for a command sent to a group session itself. */
    broadcastId: uuid('broadcast_id').references(() => broadcasts.id, { onDelete: 'cascade' }),
    /**
     * The group session (the broadcast's run, or the session the command was sent to) it was sent
     * into; deleting the session deletes its commands (their lines and answers are its content).
     */
    sessionId: uuid('session_id').references(() => sessions.id, { onDelete: 'cascade' }),
    /** Shape: protocol's `ShowControlAction`. */
    action: jsonb('action').$type<unknown>().notNull(),
    outcome: text('outcome', { enum: ['pending', 'spoken', 'dropped', 'moderated', 'done'] })
      .notNull()
      .default('pending'),
    /** Why it was dropped (protocol's `ShowDropReason`). */
    reason: text('reason'),
    message: text('message'),
    /** What was said, or a prompt's answer. */
    text: text('text'),
    createdAt: createdAt(),
    /** When the job confirmed it has the command; until then the API sends it again. */
    receivedAt: instant('received_at'),
    finishedAt: instant('finished_at'),
  },
  (t) => [
    index('control_commands_broadcast_idx').on(t.broadcastId, t.createdAt),
    index('control_commands_pending_idx').on(t.broadcastId, t.outcome),
    index('control_commands_session_pending_idx').on(t.sessionId, t.outcome),
  ],
);

/**
 * A library import (api/services/library-import.ts): one job that imports many cards for its
 * owner. Progress and per-card results live here so that any API replica can answer for it.
 */
export const libraryImports = pgTable(
  'library_imports',
  {
    id: uuid('id').primaryKey(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    status: text('status', { enum: ['running', 'done', 'failed', 'interrupted'] })
      .notNull()
      .default('running'),
    /** Cards found in the upload; fixed when the job starts. */
    total: integer('total').notNull(),
    processed: integer('processed').notNull().default(0),
    imported: integer('imported').notNull().default(0),
    duplicate: integer('duplicate').notNull().default(0),
    rejected: integer('rejected').notNull().default(0),
    /** Entries of ZIP libraries that are not cards (a readme, a thumbnail), skipped unread. */
    ignored: integer('ignored').notNull().default(0),
    /** One result per processed card, in upload order. Shape: protocol's `LibraryCardResult[]`. */
    results: jsonb('results').$type<unknown[]>().notNull().default([]),
    /** Why the job failed (status `failed`), in words a person can act on. */
    error: text('error'),
    createdAt: createdAt(),
    /** Written by the process running the job at each progress write; a stale one means it died. */
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    finishedAt: instant('finished_at'),
  },
  (t) => [
    index('library_imports_owner_idx').on(t.ownerId, t.createdAt),
    index('library_imports_status_idx').on(t.status),
  ],
);

export const schema = {
  users,
  apiKeys,
  characters,
  knowledgeEntries,
  knowledgeDocuments,
  knowledgeChunks,
  characterAvatars,
  sessions,
  sessionCharacters,
  sessionParticipants,
  messages,
  invites,
  memories,
  broadcasts,
  controlCommands,
  libraryImports,
  turnSignals,
  sessionEngagement,
  sessionCharacterEngagement,
  sessionTerms,
};

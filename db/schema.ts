import {
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { CharacterVoice, Persona, ProviderInfo } from '../protocol/index.ts';

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

export const characters = pgTable('characters', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  tagline: text('tagline').notNull(),
  persona: jsonb('persona').$type<Persona>().notNull(),
  greeting: text('greeting').notNull(),
  avatarUrl: text('avatar_url').notNull(),
  voice: jsonb('voice').$type<CharacterVoice>().notNull(),
  builtIn: boolean('built_in').notNull().default(false),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey(),
    mode: text('mode', { enum: ['call'] }).notNull(),
    characterId: text('character_id')
      .notNull()
      .references(() => characters.id, { onDelete: 'restrict' }),
    roomName: text('room_name').notNull(),
    callerIdentity: text('caller_identity').notNull(),
    callerName: text('caller_name').notNull(),
    status: text('status', { enum: ['created', 'active', 'ended'] })
      .notNull()
      .default('created'),
    providers: jsonb('providers').$type<ProviderInfo>(),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    endedAt: timestamp('ended_at', { withTimezone: true, mode: 'date' }),
    durationMs: integer('duration_ms'),
  },
  (t) => [
    uniqueIndex('sessions_room_name_idx').on(t.roomName),
    index('sessions_character_idx').on(t.characterId),
  ],
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
    createdAt: createdAt(),
  },
  (t) => [index('messages_session_started_idx').on(t.sessionId, t.startedAt)],
);

export const schema = { characters, sessions, messages };

CREATE TABLE "session_character_engagement" (
	"session_id" uuid NOT NULL,
	"character_id" text NOT NULL,
	"replies" integer DEFAULT 0 NOT NULL,
	"interrupted_replies" integer DEFAULT 0 NOT NULL,
	"follow_ups" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "session_character_engagement_session_id_character_id_pk" PRIMARY KEY("session_id","character_id")
);
--> statement-breakpoint
CREATE TABLE "session_engagement" (
	"session_id" uuid PRIMARY KEY NOT NULL,
	"person_turns" integer DEFAULT 0 NOT NULL,
	"person_words" integer DEFAULT 0 NOT NULL,
	"positive_turns" integer DEFAULT 0 NOT NULL,
	"negative_turns" integer DEFAULT 0 NOT NULL,
	"neutral_turns" integer DEFAULT 0 NOT NULL,
	"sentiment_score" double precision DEFAULT 0 NOT NULL,
	"first_turn_at" timestamp with time zone,
	"last_turn_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "session_terms" (
	"session_id" uuid NOT NULL,
	"term" text NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "session_terms_session_id_term_pk" PRIMARY KEY("session_id","term")
);
--> statement-breakpoint
CREATE TABLE "turn_signals" (
	"message_id" uuid PRIMARY KEY NOT NULL,
	"follows" text,
	"counted_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "session_character_engagement" ADD CONSTRAINT "session_character_engagement_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_engagement" ADD CONSTRAINT "session_engagement_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_terms" ADD CONSTRAINT "session_terms_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "turn_signals" ADD CONSTRAINT "turn_signals_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;
CREATE TABLE "characters" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"tagline" text NOT NULL,
	"persona" jsonb NOT NULL,
	"greeting" text NOT NULL,
	"avatar_url" text NOT NULL,
	"voice" jsonb NOT NULL,
	"built_in" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" uuid PRIMARY KEY NOT NULL,
	"session_id" uuid NOT NULL,
	"role" text NOT NULL,
	"speaker" text NOT NULL,
	"speaker_name" text NOT NULL,
	"text" text NOT NULL,
	"heard_text" text NOT NULL,
	"interrupted" boolean DEFAULT false NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone NOT NULL,
	"eou_delay_ms" double precision,
	"stt_delay_ms" double precision,
	"llm_ttft_ms" double precision,
	"tts_ttfb_ms" double precision,
	"voice_to_voice_ms" double precision,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"mode" text NOT NULL,
	"character_id" text NOT NULL,
	"room_name" text NOT NULL,
	"caller_identity" text NOT NULL,
	"caller_name" text NOT NULL,
	"status" text DEFAULT 'created' NOT NULL,
	"providers" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"duration_ms" integer
);
--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_character_id_characters_id_fk" FOREIGN KEY ("character_id") REFERENCES "public"."characters"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "messages_session_started_idx" ON "messages" USING btree ("session_id","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "sessions_room_name_idx" ON "sessions" USING btree ("room_name");--> statement-breakpoint
CREATE INDEX "sessions_character_idx" ON "sessions" USING btree ("character_id");
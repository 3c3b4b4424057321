CREATE TABLE "character_avatars" (
	"character_id" text PRIMARY KEY NOT NULL,
	"content_type" text NOT NULL,
	"data" "bytea" NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "knowledge_chunks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"character_id" text NOT NULL,
	"document_id" uuid,
	"entry_id" uuid,
	"ordinal" integer NOT NULL,
	"heading" text DEFAULT '' NOT NULL,
	"content" text NOT NULL,
	"search" "tsvector" GENERATED ALWAYS AS (to_tsvector('english', "knowledge_chunks"."heading" || ' ' || "knowledge_chunks"."content")) STORED NOT NULL,
	CONSTRAINT "knowledge_chunks_one_source" CHECK (("knowledge_chunks"."document_id" is null) <> ("knowledge_chunks"."entry_id" is null))
);
--> statement-breakpoint
CREATE TABLE "knowledge_documents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"character_id" text NOT NULL,
	"title" text NOT NULL,
	"format" text NOT NULL,
	"content" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "session_characters" (
	"session_id" uuid NOT NULL,
	"character_id" text NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "session_characters_session_id_character_id_pk" PRIMARY KEY("session_id","character_id")
);
--> statement-breakpoint
CREATE TABLE "session_participants" (
	"session_id" uuid NOT NULL,
	"identity" text NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"joined_at" timestamp with time zone NOT NULL,
	"left_at" timestamp with time zone,
	CONSTRAINT "session_participants_session_id_identity_pk" PRIMARY KEY("session_id","identity")
);
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "source" text DEFAULT 'voice' NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "handover_gap_ms" double precision;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "settings" jsonb;--> statement-breakpoint
ALTER TABLE "character_avatars" ADD CONSTRAINT "character_avatars_character_id_characters_id_fk" FOREIGN KEY ("character_id") REFERENCES "public"."characters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "knowledge_chunks" ADD CONSTRAINT "knowledge_chunks_character_id_characters_id_fk" FOREIGN KEY ("character_id") REFERENCES "public"."characters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "knowledge_chunks" ADD CONSTRAINT "knowledge_chunks_document_id_knowledge_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."knowledge_documents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "knowledge_chunks" ADD CONSTRAINT "knowledge_chunks_entry_id_knowledge_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."knowledge_entries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "knowledge_documents" ADD CONSTRAINT "knowledge_documents_character_id_characters_id_fk" FOREIGN KEY ("character_id") REFERENCES "public"."characters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_characters" ADD CONSTRAINT "session_characters_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_characters" ADD CONSTRAINT "session_characters_character_id_characters_id_fk" FOREIGN KEY ("character_id") REFERENCES "public"."characters"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_participants" ADD CONSTRAINT "session_participants_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "knowledge_chunks_character_idx" ON "knowledge_chunks" USING btree ("character_id");--> statement-breakpoint
CREATE INDEX "knowledge_chunks_search_idx" ON "knowledge_chunks" USING gin ("search");--> statement-breakpoint
CREATE INDEX "knowledge_documents_character_idx" ON "knowledge_documents" USING btree ("character_id");--> statement-breakpoint
CREATE INDEX "session_characters_character_idx" ON "session_characters" USING btree ("character_id");--> statement-breakpoint
INSERT INTO "session_characters" ("session_id", "character_id", "position") SELECT "id", "character_id", 0 FROM "sessions";

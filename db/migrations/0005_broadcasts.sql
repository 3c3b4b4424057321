CREATE TABLE "broadcasts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"owner_id" uuid NOT NULL,
	"title" text NOT NULL,
	"character_ids" jsonb NOT NULL,
	"twitch_channel" text NOT NULL,
	"twitch_ingest_url" text NOT NULL,
	"twitch_stream_key_enc" text,
	"twitch_chat_token_enc" text,
	"destinations" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"autonomous" jsonb NOT NULL,
	"settings" jsonb NOT NULL,
	"video" jsonb NOT NULL,
	"output" text DEFAULT 'auto' NOT NULL,
	"output_used" text,
	"status" text DEFAULT 'idle' NOT NULL,
	"session_id" uuid,
	"egress_id" text,
	"last_error" text,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "broadcasts" ADD CONSTRAINT "broadcasts_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "broadcasts" ADD CONSTRAINT "broadcasts_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "broadcasts_owner_idx" ON "broadcasts" USING btree ("owner_id","created_at");--> statement-breakpoint
CREATE INDEX "broadcasts_session_idx" ON "broadcasts" USING btree ("session_id");--> statement-breakpoint
CREATE INDEX "broadcasts_egress_idx" ON "broadcasts" USING btree ("egress_id");
CREATE TABLE "control_commands" (
	"id" uuid PRIMARY KEY NOT NULL,
	"broadcast_id" uuid NOT NULL,
	"session_id" uuid,
	"action" jsonb NOT NULL,
	"outcome" text DEFAULT 'pending' NOT NULL,
	"reason" text,
	"message" text,
	"text" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"received_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "broadcasts" ADD COLUMN "control_webhook_url" text;--> statement-breakpoint
ALTER TABLE "broadcasts" ADD COLUMN "control_webhook_secret_enc" text;--> statement-breakpoint
ALTER TABLE "control_commands" ADD CONSTRAINT "control_commands_broadcast_id_broadcasts_id_fk" FOREIGN KEY ("broadcast_id") REFERENCES "public"."broadcasts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "control_commands" ADD CONSTRAINT "control_commands_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "control_commands_broadcast_idx" ON "control_commands" USING btree ("broadcast_id","created_at");--> statement-breakpoint
CREATE INDEX "control_commands_pending_idx" ON "control_commands" USING btree ("broadcast_id","outcome");
ALTER TABLE "sessions" ADD COLUMN "dispatch" jsonb;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "dispatch_attempts" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "next_check_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "agent_waiting_since" timestamp with time zone DEFAULT now();--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "agent_identity" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "agent_reason" text;--> statement-breakpoint
CREATE INDEX "sessions_next_check_idx" ON "sessions" USING btree ("next_check_at");--> statement-breakpoint
-- Sessions from before agent supervision are not waiting for anything.
UPDATE "sessions" SET "agent_waiting_since" = NULL WHERE "status" <> 'created';

ALTER TABLE "control_commands" DROP CONSTRAINT "control_commands_session_id_sessions_id_fk";
--> statement-breakpoint
ALTER TABLE "control_commands" ALTER COLUMN "broadcast_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "control_commands" ADD CONSTRAINT "control_commands_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "control_commands_session_pending_idx" ON "control_commands" USING btree ("session_id","outcome");
-- Outcomes for failures before anything was forwarded: the gate's own error, and a ticket system that could not answer.
ALTER TYPE "AttemptOutcome" ADD VALUE 'ticket_unavailable';
ALTER TYPE "AttemptOutcome" ADD VALUE 'internal_error';

-- Who has written each local ticket ("tenant/oid"): none of them may use it where separation of duties applies.
ALTER TABLE "local_change_tickets" ADD COLUMN "written_by" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- Every write of a local ticket: who, when, the ticket before and after.
CREATE TABLE "local_change_ticket_changes" (
    "id" UUID NOT NULL,
    "number" TEXT NOT NULL,
    "changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_oid" TEXT NOT NULL,
    "actor_tenant_id" TEXT NOT NULL,
    "actor_upn" TEXT,
    "actor_app_id" TEXT,
    "correlation_id" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB NOT NULL,

    CONSTRAINT "local_change_ticket_changes_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "local_change_ticket_changes_number_changed_at_idx" ON "local_change_ticket_changes"("number", "changed_at");

-- CreateEnum
CREATE TYPE "AttemptOutcome" AS ENUM ('in_flight', 'succeeded', 'invalid_request', 'unauthenticated', 'policy_denied', 'device_not_found', 'nothing_to_unassign', 'ticket_rejected', 'rate_limited', 'graph_failed', 'graph_unavailable', 'graph_timeout', 'unknown');

-- CreateTable
CREATE TABLE "attempts" (
    "id" UUID NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "settled_at" TIMESTAMPTZ(3),
    "outcome" "AttemptOutcome" NOT NULL,
    "http_status" INTEGER,
    "error_code" TEXT,
    "entry_point" TEXT NOT NULL,
    "simulated" BOOLEAN NOT NULL DEFAULT false,
    "correlation_id" TEXT NOT NULL,
    "actor_oid" TEXT,
    "actor_tenant_id" TEXT,
    "actor_upn" TEXT,
    "actor_app_id" TEXT,
    "actor_kind" TEXT,
    "actor_roles" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "client_ip" TEXT,
    "user_agent" TEXT,
    "device_id" TEXT,
    "device_snapshot" JSONB,
    "change_ticket" TEXT,
    "ticket_snapshot" JSONB,
    "justification" TEXT,
    "break_glass" BOOLEAN NOT NULL DEFAULT false,
    "decision" TEXT,
    "decision_reason" TEXT,
    "policy_version" TEXT NOT NULL,
    "graph_status" INTEGER,
    "graph_error_code" TEXT,
    "graph_error_message" TEXT,
    "graph_request_id" TEXT,
    "graph_client_request_id" TEXT,
    "graph_duration_ms" INTEGER,
    "duration_ms" INTEGER,

    CONSTRAINT "attempts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "local_change_tickets" (
    "number" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "approval" TEXT NOT NULL,
    "planned_start" TIMESTAMPTZ(3) NOT NULL,
    "planned_end" TIMESTAMPTZ(3) NOT NULL,
    "affected_cis" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "short_description" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "local_change_tickets_pkey" PRIMARY KEY ("number")
);

-- CreateIndex
CREATE INDEX "attempts_actor_oid_received_at_idx" ON "attempts"("actor_oid", "received_at");

-- CreateIndex
CREATE INDEX "attempts_device_id_received_at_idx" ON "attempts"("device_id", "received_at");

-- CreateIndex
CREATE INDEX "attempts_change_ticket_idx" ON "attempts"("change_ticket");

-- CreateIndex
CREATE INDEX "attempts_outcome_received_at_idx" ON "attempts"("outcome", "received_at");

-- A request answered from an earlier one's record (Idempotency-Key), and one refused because of another request
-- (same key with another request, or the same key or device still in flight).
ALTER TYPE "AttemptOutcome" ADD VALUE 'replayed';
ALTER TYPE "AttemptOutcome" ADD VALUE 'request_conflict';

ALTER TABLE "attempts"
    ADD COLUMN "idempotency_key" TEXT,
    ADD COLUMN "replay_of" UUID,
    ADD COLUMN "reconciled" BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN "graph_tries" JSONB,
    ADD COLUMN "answer" JSONB;

-- At most one request per device in flight, across every replica: a second one's insert fails on this index.
CREATE UNIQUE INDEX "attempts_one_in_flight_per_device" ON "attempts"("device_id") WHERE outcome = 'in_flight';

-- Idempotency keys, per caller, while they are remembered; the attempt that holds each one. A key is identified by a
-- digest of the caller and the key (a narrow primary key, every request with a key inserts one).
CREATE TABLE "idempotency_keys" (
    "key_id" UUID NOT NULL,
    "attempt_id" UUID NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("key_id")
);
CREATE INDEX "idempotency_keys_expires_at_idx" ON "idempotency_keys"("expires_at");

-- Requests counted per caller (or client IP) per fixed window, shared by every replica.
CREATE TABLE "rate_limit_windows" (
    "subject" TEXT NOT NULL,
    "window_start" TIMESTAMPTZ(3) NOT NULL,
    "hits" INTEGER NOT NULL,

    CONSTRAINT "rate_limit_windows_pkey" PRIMARY KEY ("subject", "window_start")
);
CREATE INDEX "rate_limit_windows_window_start_idx" ON "rate_limit_windows"("window_start");

-- The token bucket in front of Graph, one per tenant, shared by every replica.
CREATE TABLE "graph_rate_buckets" (
    "tenant" TEXT NOT NULL,
    "tokens" DOUBLE PRECISION NOT NULL,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "graph_rate_buckets_pkey" PRIMARY KEY ("tenant")
);

-- The least-privilege role (created by the audit migration, when the migrating user could): what this migration adds.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'autopilot_gate_app') THEN
        GRANT UPDATE ("reconciled", "graph_tries", "answer") ON "attempts" TO "autopilot_gate_app";
        GRANT SELECT, INSERT, UPDATE, DELETE ON "idempotency_keys", "rate_limit_windows" TO "autopilot_gate_app";
        GRANT SELECT, INSERT, UPDATE ON "graph_rate_buckets" TO "autopilot_gate_app";
        GRANT SELECT, INSERT ON "local_change_ticket_changes" TO "autopilot_gate_app";
    END IF;
END;
$$;

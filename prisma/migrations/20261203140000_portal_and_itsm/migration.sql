-- A preview: every check run, only reads sent to Graph. A serial number that names several devices.
ALTER TYPE "AttemptOutcome" ADD VALUE 'previewed';
ALTER TYPE "AttemptOutcome" ADD VALUE 'ambiguous_device';

-- The serial number the caller named, for requests that address a device by serial.
ALTER TABLE "attempts" ADD COLUMN "serial_number" TEXT;

-- A preview never forwards, so it holds no device: only requests that may forward are one per device in flight.
DROP INDEX "attempts_one_in_flight_per_device";
CREATE UNIQUE INDEX "attempts_one_in_flight_per_device" ON "attempts"("device_id") WHERE outcome = 'in_flight' AND entry_point NOT LIKE 'preview%';

-- Work notes for ServiceNow changes, written after the answer from this outbox: one per attempt, retried with back-off.
CREATE TABLE "work_notes" (
    "id" UUID NOT NULL,
    "attempt_id" UUID NOT NULL,
    "change_number" TEXT NOT NULL,
    "change_sys_id" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "tries" INTEGER NOT NULL DEFAULT 0,
    "next_try_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lease_until" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "work_notes_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "work_notes_attempt_id_key" ON "work_notes"("attempt_id");
CREATE INDEX "work_notes_state_next_try_at_idx" ON "work_notes"("state", "next_try_at");

-- Work notes on the gate's own change tickets, written with the attempt's outcome.
CREATE TABLE "local_change_ticket_notes" (
    "attempt_id" UUID NOT NULL,
    "number" TEXT NOT NULL,
    "written_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "body" TEXT NOT NULL,

    CONSTRAINT "local_change_ticket_notes_pkey" PRIMARY KEY ("attempt_id")
);
CREATE INDEX "local_change_ticket_notes_number_written_at_idx" ON "local_change_ticket_notes"("number", "written_at");

-- The least-privilege role (created by the audit migration, when the migrating user could): what this migration adds.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'autopilot_gate_app') THEN
        GRANT SELECT, INSERT, UPDATE ON "work_notes" TO "autopilot_gate_app";
        GRANT SELECT, INSERT ON "local_change_ticket_notes" TO "autopilot_gate_app";
    END IF;
END;
$$;

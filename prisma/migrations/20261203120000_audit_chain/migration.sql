-- Audit reports and tamper evidence (issue 6): the hash chain, its head, the queue of attempts waiting for it, signed
-- checkpoints, the retention record, indexes for every report filter, append-only triggers and the least-privilege role.

-- CreateTable: one link per settled attempt, appended by the sealer (src/audit/chain) off the request path. A table of
-- its own rather than columns of attempts: sealing inserts a narrow row instead of rewriting a wide one and every index
-- on it, a tenth of the database's work (bench/README.md), and a settled attempt is never written again.
CREATE TABLE "audit_chain" (
    "seq" BIGINT NOT NULL,
    "attempt_id" UUID NOT NULL,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "audit_chain_pkey" PRIMARY KEY ("seq")
);

-- CreateTable: settled attempts not chained yet, filled by a trigger in the settling transaction itself.
CREATE TABLE "audit_unsealed" (
    "attempt_id" UUID NOT NULL,
    "settled_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "audit_unsealed_pkey" PRIMARY KEY ("attempt_id")
);

-- CreateTable: one row, moved forward by the sealer under its lock.
CREATE TABLE "audit_chain_head" (
    "id" BOOLEAN NOT NULL DEFAULT true,
    "seq" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "sealed_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "audit_chain_head_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "audit_chain_head_single_row" CHECK ("id")
);

INSERT INTO "audit_chain_head" ("id", "seq", "hash", "sealed_at") VALUES (true, 0, repeat('0', 64), CURRENT_TIMESTAMP);

-- CreateTable: the chain head at `seq`, signed with the gate's Ed25519 key.
CREATE TABLE "audit_checkpoints" (
    "seq" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "signed_at" TIMESTAMPTZ(3) NOT NULL,
    "key_id" TEXT NOT NULL,
    "signature" TEXT NOT NULL,
    "previous_signature" TEXT,

    CONSTRAINT "audit_checkpoints_pkey" PRIMARY KEY ("seq")
);

-- CreateTable: what each retention run deleted (a prefix of the chain), signed like a checkpoint.
CREATE TABLE "audit_retention_runs" (
    "cut_seq" BIGINT NOT NULL,
    "cut_hash" TEXT NOT NULL,
    "cut_before" TIMESTAMPTZ(3) NOT NULL,
    "first_seq" BIGINT NOT NULL,
    "deleted_count" BIGINT NOT NULL,
    "oldest_received_at" TIMESTAMPTZ(3) NOT NULL,
    "newest_received_at" TIMESTAMPTZ(3) NOT NULL,
    "ran_at" TIMESTAMPTZ(3) NOT NULL,
    "key_id" TEXT NOT NULL,
    "signature" TEXT NOT NULL,

    CONSTRAINT "audit_retention_runs_pkey" PRIMARY KEY ("cut_seq")
);

-- Indexes: every report filter, newest first on (received_at, id).
DROP INDEX "attempts_actor_oid_received_at_idx";
DROP INDEX "attempts_device_id_received_at_idx";
DROP INDEX "attempts_change_ticket_idx";
DROP INDEX "attempts_outcome_received_at_idx";

-- CreateIndex
CREATE UNIQUE INDEX "audit_chain_attempt_id_key" ON "audit_chain"("attempt_id");

-- CreateIndex
CREATE INDEX "attempts_received_at_id_idx" ON "attempts"("received_at", "id");

-- CreateIndex
CREATE INDEX "attempts_actor_oid_received_at_id_idx" ON "attempts"("actor_oid", "received_at", "id");

-- CreateIndex
CREATE INDEX "attempts_actor_upn_received_at_id_idx" ON "attempts"("actor_upn", "received_at", "id");

-- CreateIndex
CREATE INDEX "attempts_actor_app_id_received_at_id_idx" ON "attempts"("actor_app_id", "received_at", "id");

-- CreateIndex
CREATE INDEX "attempts_device_id_received_at_id_idx" ON "attempts"("device_id", "received_at", "id");

-- CreateIndex
CREATE INDEX "attempts_change_ticket_received_at_id_idx" ON "attempts"("change_ticket", "received_at", "id");

-- CreateIndex
CREATE INDEX "attempts_outcome_received_at_id_idx" ON "attempts"("outcome", "received_at", "id");

-- Not expressible in schema.prisma: the serialNumber filter reads the device snapshot.
CREATE INDEX "attempts_serial_number_received_at_id_idx" ON "attempts"(("device_snapshot" ->> 'serialNumber'), "received_at", "id");

-- Append-only attempts. What this enforces, and against whom, is in README ("Append-only, and who can change what").
-- An in-flight attempt may learn its outcome (the settle step), but not change who, what, when and why; a settled
-- attempt never changes again.
CREATE FUNCTION "audit_attempts_guard_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD."outcome" <> 'in_flight' THEN
        RAISE EXCEPTION 'attempts are append-only: attempt % is settled (%) and cannot change', OLD."id", OLD."outcome";
    END IF;
    -- The device may be learnt once after the attempt opened (a request by serial number); never changed.
    IF (NEW."id", NEW."correlation_id", NEW."policy_version", NEW."received_at", NEW."entry_point", NEW."simulated",
        NEW."actor_oid", NEW."actor_tenant_id", NEW."actor_upn", NEW."actor_app_id", NEW."actor_kind", NEW."actor_roles",
        NEW."client_ip", NEW."user_agent", NEW."change_ticket", NEW."justification")
       IS DISTINCT FROM
       (OLD."id", OLD."correlation_id", OLD."policy_version", OLD."received_at", OLD."entry_point", OLD."simulated",
        OLD."actor_oid", OLD."actor_tenant_id", OLD."actor_upn", OLD."actor_app_id", OLD."actor_kind", OLD."actor_roles",
        OLD."client_ip", OLD."user_agent", OLD."change_ticket", OLD."justification")
       OR (OLD."device_id" IS NOT NULL AND NEW."device_id" IS DISTINCT FROM OLD."device_id") THEN
        RAISE EXCEPTION 'attempts are append-only: who, what, when and why of in-flight attempt % cannot change', OLD."id";
    END IF;
    RETURN NEW;
END;
$$;

-- Retention deletes through audit_delete_expired_attempts, which turns this setting on for its own statements only.
CREATE FUNCTION "audit_guard_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('autopilot_gate.retention', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is append-only: % is refused; retention deletes through audit_delete_expired_attempts()', TG_TABLE_NAME, TG_OP;
END;
$$;

-- Every settled attempt waits in audit_unsealed until the sealer chains it; queued in the transaction that settles it,
-- so none is forgotten. Runs with its owner's rights: the service's role cannot write the queue.
CREATE FUNCTION "audit_queue_for_sealing"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO "audit_unsealed" ("attempt_id", "settled_at") VALUES (NEW."id", coalesce(NEW."settled_at", now()));
    RETURN NULL;
END;
$$;

CREATE TRIGGER "attempts_append_only_update" BEFORE UPDATE ON "attempts" FOR EACH ROW EXECUTE FUNCTION "audit_attempts_guard_update"();
CREATE TRIGGER "attempts_append_only_delete" BEFORE DELETE ON "attempts" FOR EACH STATEMENT EXECUTE FUNCTION "audit_guard_delete"();
CREATE TRIGGER "attempts_append_only_truncate" BEFORE TRUNCATE ON "attempts" FOR EACH STATEMENT EXECUTE FUNCTION "audit_guard_delete"();
CREATE TRIGGER "attempts_queue_for_sealing" AFTER INSERT OR UPDATE OF "outcome" ON "attempts" FOR EACH ROW WHEN (NEW."outcome" <> 'in_flight') EXECUTE FUNCTION "audit_queue_for_sealing"();

-- The chain: appended by audit_seal(), cut only by retention.
CREATE TRIGGER "audit_chain_append_only_update" BEFORE UPDATE ON "audit_chain" FOR EACH STATEMENT EXECUTE FUNCTION "audit_guard_delete"();
CREATE TRIGGER "audit_chain_append_only_delete" BEFORE DELETE ON "audit_chain" FOR EACH STATEMENT EXECUTE FUNCTION "audit_guard_delete"();
CREATE TRIGGER "audit_chain_append_only_truncate" BEFORE TRUNCATE ON "audit_chain" FOR EACH STATEMENT EXECUTE FUNCTION "audit_guard_delete"();

-- Checkpoints and retention records are never changed or removed.
CREATE FUNCTION "audit_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is refused', TG_TABLE_NAME, TG_OP;
END;
$$;

CREATE TRIGGER "audit_checkpoints_append_only" BEFORE UPDATE OR DELETE ON "audit_checkpoints" FOR EACH STATEMENT EXECUTE FUNCTION "audit_refuse_change"();
CREATE TRIGGER "audit_checkpoints_no_truncate" BEFORE TRUNCATE ON "audit_checkpoints" FOR EACH STATEMENT EXECUTE FUNCTION "audit_refuse_change"();
CREATE TRIGGER "audit_retention_runs_append_only" BEFORE UPDATE OR DELETE ON "audit_retention_runs" FOR EACH STATEMENT EXECUTE FUNCTION "audit_refuse_change"();
CREATE TRIGGER "audit_retention_runs_no_truncate" BEFORE TRUNCATE ON "audit_retention_runs" FOR EACH STATEMENT EXECUTE FUNCTION "audit_refuse_change"();

CREATE FUNCTION "audit_chain_head_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE' OR NEW."seq" < OLD."seq" THEN
        RAISE EXCEPTION 'the chain head only moves forward: % is refused', TG_OP;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER "audit_chain_head_forward_only" BEFORE UPDATE OR DELETE ON "audit_chain_head" FOR EACH ROW EXECUTE FUNCTION "audit_chain_head_guard"();
CREATE TRIGGER "audit_chain_head_no_truncate" BEFORE TRUNCATE ON "audit_chain_head" FOR EACH STATEMENT EXECUTE FUNCTION "audit_refuse_change"();

-- The sealer's only way to write the chain: links for attempts that are waiting in the queue, numbered on from the
-- head, each naming the hash before it. The hashes themselves are the sealer's (the integrity walk checks them).
CREATE FUNCTION "audit_seal"(p_attempt_ids UUID[], p_hashes TEXT[]) RETURNS BIGINT
LANGUAGE plpgsql SECURITY DEFINER
SET search_path FROM CURRENT
AS $$
DECLARE
    head_seq BIGINT;
    head_hash TEXT;
    dequeued BIGINT;
BEGIN
    IF coalesce(array_length(p_attempt_ids, 1), 0) = 0 THEN
        RETURN 0;
    END IF;
    IF array_length(p_hashes, 1) IS DISTINCT FROM array_length(p_attempt_ids, 1) THEN
        RAISE EXCEPTION 'audit_seal needs one hash per attempt';
    END IF;
    SELECT "seq", "hash" INTO head_seq, head_hash FROM "audit_chain_head" FOR UPDATE;
    DELETE FROM "audit_unsealed" WHERE "attempt_id" = ANY(p_attempt_ids);
    GET DIAGNOSTICS dequeued = ROW_COUNT;
    IF dequeued <> array_length(p_attempt_ids, 1) THEN
        RAISE EXCEPTION 'audit_seal refused: only attempts waiting to be sealed, each once, can be chained';
    END IF;
    INSERT INTO "audit_chain" ("seq", "attempt_id", "prev_hash", "hash")
    SELECT head_seq + l.position, l.attempt_id, coalesce(lag(l.hash) OVER (ORDER BY l.position), head_hash), l.hash
      FROM unnest(p_attempt_ids, p_hashes) WITH ORDINALITY AS l(attempt_id, hash, position);
    UPDATE "audit_chain_head" SET "seq" = head_seq + dequeued, "hash" = p_hashes[dequeued], "sealed_at" = now();
    RETURN head_seq + dequeued;
END;
$$;

REVOKE ALL ON FUNCTION "audit_seal"(UUID[], TEXT[]) FROM PUBLIC;

-- The retention job's only way to delete: a prefix of the chain (seq first..cut), every record of it received before
-- a UTC midnight at least autopilot_gate.retention_floor_days ago, recorded with the job's signature in the same
-- transaction. It runs with its owner's rights, so the application role needs no DELETE privilege at all.
-- A DBA lowers the floor with:
--   ALTER FUNCTION audit_delete_expired_attempts SET autopilot_gate.retention_floor_days = '<days>';
CREATE FUNCTION "audit_delete_expired_attempts"(
    p_cut_before TIMESTAMPTZ, p_first_seq BIGINT, p_cut_seq BIGINT, p_cut_hash TEXT, p_deleted_count BIGINT,
    p_oldest_received_at TIMESTAMPTZ, p_newest_received_at TIMESTAMPTZ, p_ran_at TIMESTAMPTZ, p_key_id TEXT, p_signature TEXT
) RETURNS BIGINT
LANGUAGE plpgsql SECURITY DEFINER
SET search_path FROM CURRENT
SET autopilot_gate.retention_floor_days = '2557'
SET autopilot_gate.retention = 'off'
AS $$
DECLARE
    floor_days INTEGER := current_setting('autopilot_gate.retention_floor_days')::INTEGER;
    previous_cut BIGINT;
    deleted BIGINT;
BEGIN
    IF p_cut_before <> date_trunc('day', p_cut_before AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' THEN
        RAISE EXCEPTION 'retention cuts at a UTC midnight, not at %', p_cut_before;
    END IF;
    IF p_cut_before > now() - make_interval(days => floor_days) THEN
        RAISE EXCEPTION 'retention refused: % is less than % days ago (the floor, autopilot_gate.retention_floor_days)', p_cut_before, floor_days;
    END IF;
    SELECT max("cut_seq") INTO previous_cut FROM "audit_retention_runs";
    IF p_first_seq <> coalesce(previous_cut, 0) + 1 OR p_cut_seq < p_first_seq THEN
        RAISE EXCEPTION 'retention deletes a prefix of the chain: seq % to % does not follow the last cut %', p_first_seq, p_cut_seq, previous_cut;
    END IF;
    IF p_deleted_count <> p_cut_seq - p_first_seq + 1 THEN
        RAISE EXCEPTION 'retention refused: seq % to % is % records, not %', p_first_seq, p_cut_seq, p_cut_seq - p_first_seq + 1, p_deleted_count;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM "audit_chain" WHERE "seq" = p_cut_seq AND "hash" = p_cut_hash) THEN
        RAISE EXCEPTION 'retention refused: the link at seq % does not have hash %', p_cut_seq, p_cut_hash;
    END IF;
    IF EXISTS (SELECT 1 FROM "audit_chain" c JOIN "attempts" a ON a."id" = c."attempt_id"
                WHERE c."seq" BETWEEN p_first_seq AND p_cut_seq AND a."received_at" >= p_cut_before) THEN
        RAISE EXCEPTION 'retention refused: seq % to % holds attempts received after %', p_first_seq, p_cut_seq, p_cut_before;
    END IF;
    PERFORM set_config('autopilot_gate.retention', 'on', true);
    DELETE FROM "attempts" a USING "audit_chain" c WHERE c."attempt_id" = a."id" AND c."seq" BETWEEN p_first_seq AND p_cut_seq;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    DELETE FROM "audit_chain" WHERE "seq" BETWEEN p_first_seq AND p_cut_seq;
    IF deleted <> p_deleted_count THEN
        RAISE EXCEPTION 'retention refused: % records in seq % to %, not the % signed for (a gap in the chain?)', deleted, p_first_seq, p_cut_seq, p_deleted_count;
    END IF;
    INSERT INTO "audit_retention_runs" ("cut_seq", "cut_hash", "cut_before", "first_seq", "deleted_count",
        "oldest_received_at", "newest_received_at", "ran_at", "key_id", "signature")
    VALUES (p_cut_seq, p_cut_hash, p_cut_before, p_first_seq, deleted,
        p_oldest_received_at, p_newest_received_at, p_ran_at, p_key_id, p_signature);
    RETURN deleted;
END;
$$;

REVOKE ALL ON FUNCTION "audit_delete_expired_attempts"(TIMESTAMPTZ, BIGINT, BIGINT, TEXT, BIGINT, TIMESTAMPTZ, TIMESTAMPTZ, TIMESTAMPTZ, TEXT, TEXT) FROM PUBLIC;

-- The least-privilege role the service should run as in production (README: "Database role"). NOLOGIN: grant it
-- to the login the service uses. Roles belong to the cluster, so a second database reuses it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'autopilot_gate_app') THEN
        BEGIN
            CREATE ROLE "autopilot_gate_app" NOLOGIN;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE WARNING 'role autopilot_gate_app not created (the migrating user lacks CREATEROLE): create it and grant as in README';
            RETURN;
        END;
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO "autopilot_gate_app"', current_schema());
    GRANT SELECT ON "_prisma_migrations" TO "autopilot_gate_app";
    GRANT SELECT, INSERT ON "attempts" TO "autopilot_gate_app";
    -- What the settle step writes on an in-flight row (and its device, when learnt after it opened): nothing else.
    GRANT UPDATE ("device_id", "device_snapshot", "ticket_snapshot", "break_glass", "decision", "decision_reason",
        "graph_status", "graph_error_code", "graph_error_message", "graph_request_id", "graph_client_request_id",
        "graph_duration_ms", "outcome", "http_status", "error_code", "settled_at", "duration_ms") ON "attempts" TO "autopilot_gate_app";
    GRANT SELECT ON "audit_chain", "audit_unsealed", "audit_chain_head", "audit_retention_runs" TO "autopilot_gate_app";
    GRANT SELECT, INSERT ON "audit_checkpoints" TO "autopilot_gate_app";
    GRANT EXECUTE ON FUNCTION "audit_seal"(UUID[], TEXT[]) TO "autopilot_gate_app";
    GRANT EXECUTE ON FUNCTION "audit_delete_expired_attempts"(TIMESTAMPTZ, BIGINT, BIGINT, TEXT, BIGINT, TIMESTAMPTZ, TIMESTAMPTZ, TIMESTAMPTZ, TEXT, TEXT) TO "autopilot_gate_app";
    GRANT SELECT, INSERT, UPDATE ON "local_change_tickets" TO "autopilot_gate_app";
END;
$$;

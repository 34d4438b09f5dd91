-- A write whose Idempotency-Key is held by another transaction is a concurrent duplicate (409
-- IDEMPOTENCY_KEY_IN_USE), unless that transaction has done its work and only waits for the
-- synchronous standbys to confirm its COMMIT (wait event SyncRep). Then the database cannot
-- acknowledge writes right now, and the duplicate is answered as any write is in that state: it
-- waits within its write hold to replay the holder's outcome, else 503 DATABASE_UNAVAILABLE.
-- The second-failure drill (run 20261206T120305Z) found the 409s: with one database node left every
-- COMMIT waits, so an officer's resent attempt met its own first attempt's key until the client
-- gave up.
--
-- The lock on a bigint key k (pg_try_advisory_xact_lock(k)) shows in pg_locks with classid = the
-- high 32 bits of k, objid = the low 32 bits and objsubid = 1. The holder's wait event is visible to
-- the caller because every app node logs in as the same role.
CREATE FUNCTION idempotency_key_awaits_standby(lock_key bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (
    SELECT 1
      FROM pg_catalog.pg_locks l
      JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted
       AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
       AND l.classid = ((lock_key >> 32) & 4294967295)::oid
       AND l.objid = (lock_key & 4294967295)::oid
       AND l.objsubid = 1
       AND a.wait_event_type = 'IPC' AND a.wait_event = 'SyncRep')
$$;

REVOKE EXECUTE ON FUNCTION idempotency_key_awaits_standby(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency_key_awaits_standby(bigint) TO tqdt_app;

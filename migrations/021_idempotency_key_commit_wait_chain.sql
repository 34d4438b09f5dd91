-- Migration 020 recognised a key holder that waits for the synchronous standbys itself. A holder can
-- also wait behind one: it holds the key and waits for a row lock (a handover being amended, a lot
-- taken FOR UPDATE, a declaration being replaced) held by a transaction whose COMMIT waits for the
-- standbys. With one database node left that chain never clears either, so the duplicate is answered
-- as any write is then: it waits within its hold, then replays or is refused 503. The chain is
-- followed through pg_blocking_pids, up to four steps (pg_blocking_pids briefly locks the lock
-- manager: it is only asked when the key is held).
CREATE OR REPLACE FUNCTION idempotency_key_awaits_standby(lock_key bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  WITH RECURSIVE waiting(pid, depth) AS (
    SELECT l.pid, 0
      FROM pg_catalog.pg_locks l
     WHERE l.locktype = 'advisory' AND l.granted
       AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
       AND l.classid = ((lock_key >> 32) & 4294967295)::oid
       AND l.objid = (lock_key & 4294967295)::oid
       AND l.objsubid = 1
    UNION
    SELECT b.pid, w.depth + 1
      FROM waiting w, unnest(pg_catalog.pg_blocking_pids(w.pid)) AS b(pid)
     WHERE w.depth < 4)
  SELECT EXISTS (
    SELECT 1
      FROM waiting w
      JOIN pg_catalog.pg_stat_activity a ON a.pid = w.pid
     WHERE a.wait_event_type = 'IPC' AND a.wait_event = 'SyncRep')
$$;

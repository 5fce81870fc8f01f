/**
 * The inbox's SQLite storage: opening the file (WAL, fsync on every received row), the schema, the second
 * connection for the relay's bookkeeping, and every prepared statement. The CallbackInbox (./inbox.ts) is the
 * only user.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

type StatementName =
  | 'insert'
  | 'insertDead'
  | 'pending'
  | 'routes'
  | 'unroutable'
  | 'nextFor'
  | 'get'
  | 'getByKey'
  | 'applied'
  | 'dead'
  | 'prune'
  | 'attempt'
  | 'listDead'
  | 'countDead'
  | 'countByState'
  | 'countPending'
  | 'oldestPending'
  | 'requeue'
  | 'requeueParsed'
  | 'deadIds';

export interface InboxStore {
  /** Receives callbacks, fsync'd before the answer (synchronous = FULL). */
  db: Database.Database;
  /** The relay's bookkeeping (synchronous = NORMAL); the same connection as `db` in memory. */
  relaxed: Database.Database;
  stmts: Record<StatementName, Database.Statement>;
}

export function openInboxStore(file: string): InboxStore {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // FULL: the row is on disk before we answer 202, so an acknowledged callback survives a crash.
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec(`
    CREATE TABLE IF NOT EXISTS callbacks (
      id             INTEGER PRIMARY KEY AUTOINCREMENT,
      key            TEXT UNIQUE,
      alert_id       TEXT,
      state          TEXT NOT NULL CHECK (state IN ('received', 'applied', 'dead_lettered')),
      reason         TEXT,
      detail         TEXT,
      payload        TEXT,
      raw_body       TEXT,
      delivery_id    TEXT,
      correlation_id TEXT,
      attempts       INTEGER NOT NULL DEFAULT 0,
      outcome        TEXT,
      received_at    TEXT NOT NULL,
      updated_at     TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS callbacks_state ON callbacks (state, id);
    CREATE INDEX IF NOT EXISTS callbacks_alert ON callbacks (alert_id, state, id);
  `);
  // The relay's state changes (applied, dead-lettered, attempts) commit on a second connection with
  // synchronous = NORMAL: no fsync of their own (the next received callback's commit or a checkpoint syncs
  // them, the WAL being sequential). Losing one to a power cut is harmless: the relay handles the callback
  // again and recognises it as applied (closedAlert, the update id). Under a burst this halves the fsyncs
  // that block the event loop the callback answers are served from.
  const relaxed = file === ':memory:' ? db : new Database(file);
  if (relaxed !== db) {
    relaxed.pragma('synchronous = NORMAL');
    relaxed.pragma('busy_timeout = 5000');
  }
  const stmts = {
    insert: db.prepare(
      `INSERT INTO callbacks (key, alert_id, state, payload, delivery_id, correlation_id, received_at, updated_at)
       VALUES (@key, @alertId, 'received', @payload, @deliveryId, @correlationId, @now, @now)
       ON CONFLICT (key) DO NOTHING`,
    ),
    insertDead: db.prepare(
      `INSERT INTO callbacks (key, alert_id, state, reason, detail, payload, raw_body, delivery_id, correlation_id, received_at, updated_at)
       VALUES (NULL, NULL, 'dead_lettered', @reason, @detail, NULL, @rawBody, @deliveryId, @correlationId, @now, @now)`,
    ),
    pending: db.prepare(`SELECT * FROM callbacks WHERE state = 'received' ORDER BY id LIMIT ?`),
    // The relay's look for work: the oldest received rows' alert ids, read in id order off the (state, id)
    // index and bounded by the LIMIT, so a look costs the rows it reads, not the backlog (a GROUP BY over
    // every received row took 130 ms at 100k). INDEXED BY: with statistics saying most rows are received,
    // the planner would rather scan the table in rowid order, through every applied row kept for 7 days.
    routes: db.prepare(
      `SELECT alert_id AS alertId FROM callbacks INDEXED BY callbacks_state WHERE state = 'received' ORDER BY id LIMIT ?`,
    ),
    unroutable: db.prepare(
      `SELECT * FROM callbacks WHERE state = 'received' AND alert_id IS NULL ORDER BY id LIMIT ?`,
    ),
    nextFor: db.prepare(
      `SELECT * FROM callbacks WHERE state = 'received' AND alert_id = ? ORDER BY id LIMIT 1`,
    ),
    get: db.prepare(`SELECT * FROM callbacks WHERE id = ?`),
    getByKey: db.prepare(`SELECT * FROM callbacks WHERE key = ?`),
    applied: relaxed.prepare(
      `UPDATE callbacks SET state = 'applied', outcome = @outcome, reason = NULL, detail = NULL, attempts = attempts + 1, updated_at = @now
       WHERE id = @id AND state = 'received'`,
    ),
    dead: relaxed.prepare(
      `UPDATE callbacks SET state = 'dead_lettered', reason = @reason, detail = @detail, attempts = attempts + 1, updated_at = @now
       WHERE id = @id AND state = 'received'`,
    ),
    // Retention: applied callbacks only (dead letters wait for an operator; received ones for the relay).
    prune: relaxed.prepare(
      `DELETE FROM callbacks WHERE id IN
         (SELECT id FROM callbacks WHERE state = 'applied' AND updated_at < ? ORDER BY id LIMIT ?)`,
    ),
    attempt: relaxed.prepare(
      `UPDATE callbacks SET attempts = attempts + @n, detail = @detail, updated_at = @now WHERE id = @id AND state = 'received'`,
    ),
    listDead: db.prepare(
      `SELECT * FROM callbacks WHERE state = 'dead_lettered' AND id > ? ORDER BY id LIMIT ?`,
    ),
    countDead: db.prepare(`SELECT COUNT(*) AS n FROM callbacks WHERE state = 'dead_lettered'`),
    countByState: db.prepare(`SELECT state, COUNT(*) AS n FROM callbacks GROUP BY state`),
    // For the scrape-time gauges: off the (state, id) index (INDEXED BY, as for routes), not a table scan.
    countPending: db.prepare(
      `SELECT COUNT(*) AS n FROM callbacks INDEXED BY callbacks_state WHERE state = 'received'`,
    ),
    oldestPending: db.prepare(
      `SELECT received_at AS receivedAt FROM callbacks INDEXED BY callbacks_state WHERE state = 'received' ORDER BY id LIMIT 1`,
    ),
    requeue: db.prepare(
      `UPDATE callbacks SET state = 'received', reason = NULL, detail = NULL, attempts = 0, updated_at = @now WHERE id = @id AND state = 'dead_lettered'`,
    ),
    requeueParsed: db.prepare(
      `UPDATE callbacks SET state = 'received', reason = NULL, detail = NULL, attempts = 0, key = @key, alert_id = @alertId, payload = @payload, raw_body = NULL, updated_at = @now
       WHERE id = @id AND state = 'dead_lettered'`,
    ),
    deadIds: db.prepare(`SELECT id FROM callbacks WHERE state = 'dead_lettered' ORDER BY id`),
  };
  return { db, relaxed, stmts };
}

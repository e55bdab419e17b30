/* hd-store-schema.h: the schema, one forward migration per version.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/* Migration N (index N-1) takes a database from user_version N-1 to N. Never
 * edit a migration that has shipped: add the next one. */
static const char *const hd_store_migrations[] = {
  /* 1: the helpdesk */
  "CREATE TABLE settings ("
  "  key TEXT PRIMARY KEY NOT NULL,"
  "  value TEXT NOT NULL);"
  "INSERT INTO settings (key, value) VALUES"
  "  ('auto_emails.new_request', 'false'),"
  "  ('auto_emails.max_per_sender_per_day', '3'),"
  "  ('smtp.host', ''), ('smtp.port', '587'), ('smtp.security', 'starttls'), ('smtp.username', ''),"
  "  ('reference.keywords', ''), ('reference.prefix', '['), ('reference.suffix', ']');"
  /* Names this database in the keyring, so that two databases with an
   * account of the same name never share or clear each other's secrets. */
  "INSERT INTO settings (key, value) VALUES ('store.id', lower(hex(randomblob(16))));"

  "CREATE TABLE customers ("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) > 0));"
  "CREATE TABLE users ("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE CHECK (length(name) > 0),"
  "  email TEXT UNIQUE COLLATE NOCASE,"
  "  customer_id INTEGER REFERENCES customers (id) ON DELETE SET NULL);"
  "CREATE TABLE resources ("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE CHECK (length(name) > 0));"
  "CREATE TABLE categories ("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE CHECK (length(name) > 0));"
  "CREATE TABLE priorities ("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE CHECK (length(name) > 0),"
  "  rank INTEGER NOT NULL DEFAULT 0);"
  "INSERT INTO priorities (name, rank) VALUES ('Low', 1), ('Normal', 2), ('High', 3), ('Urgent', 4);"

  "CREATE TABLE oauth_connections ("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE CHECK (length(name) > 0),"
  "  provider TEXT NOT NULL CHECK (provider IN ('microsoft', 'google', 'custom')),"
  "  tenant TEXT,"
  "  client_id TEXT NOT NULL,"
  "  authorize_url TEXT,"
  "  token_url TEXT,"
  "  scopes TEXT,"
  "  sasl_mechanism TEXT NOT NULL DEFAULT 'XOAUTH2'"
  "    CHECK (sasl_mechanism IN ('XOAUTH2', 'OAUTHBEARER')));"

  "CREATE TABLE accounts ("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE CHECK (length(name) > 0),"
  "  enabled INTEGER NOT NULL DEFAULT 1,"
  "  poll_interval INTEGER NOT NULL DEFAULT 300,"
  "  host TEXT NOT NULL,"
  "  port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),"
  "  protocol TEXT NOT NULL CHECK (protocol IN ('imap', 'pop3')),"
  "  security TEXT NOT NULL CHECK (security IN ('tls', 'starttls', 'none')),"
  "  folder TEXT NOT NULL DEFAULT 'INBOX',"
  "  pinned_certificate TEXT,"
  "  oauth_connection_id INTEGER REFERENCES oauth_connections (id),"
  "  username TEXT NOT NULL,"
  "  prevent_text_only_login INTEGER NOT NULL DEFAULT 0,"
  "  prevent_ntlm_login INTEGER NOT NULL DEFAULT 1,"
  "  sender_address TEXT,"
  "  sender_alias TEXT,"
  "  account_address TEXT,"
  "  no_new_tickets INTEGER NOT NULL DEFAULT 0,"
  "  create_unknown_users INTEGER NOT NULL DEFAULT 1,"
  "  create_customer_from_domain INTEGER NOT NULL DEFAULT 0,"
  "  fallback_user_id INTEGER REFERENCES users (id),"
  "  auto_bundle INTEGER NOT NULL DEFAULT 1,"
  "  auto_answer_template TEXT,"
  "  resource_id INTEGER REFERENCES resources (id),"
  "  category_id INTEGER REFERENCES categories (id),"
  "  priority_id INTEGER REFERENCES priorities (id),"
  "  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));"

  "CREATE TABLE poll_runs ("
  "  id INTEGER PRIMARY KEY,"
  "  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
  "  started TEXT NOT NULL,"
  "  finished TEXT,"
  "  status TEXT NOT NULL DEFAULT 'running',"
  "  listed INTEGER NOT NULL DEFAULT 0,"
  "  imported INTEGER NOT NULL DEFAULT 0,"
  "  skipped INTEGER NOT NULL DEFAULT 0,"
  "  failed INTEGER NOT NULL DEFAULT 0,"
  "  deleted INTEGER NOT NULL DEFAULT 0,"
  "  duration_ms INTEGER,"
  "  error TEXT);"

  "CREATE TABLE tickets ("
  "  id INTEGER PRIMARY KEY,"
  "  token TEXT NOT NULL,"
  "  subject TEXT NOT NULL,"
  "  account_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL,"
  "  user_id INTEGER REFERENCES users (id),"
  "  customer_id INTEGER REFERENCES customers (id),"
  "  resource_id INTEGER REFERENCES resources (id),"
  "  category_id INTEGER REFERENCES categories (id),"
  "  priority_id INTEGER REFERENCES priorities (id),"
  "  poll_run_id INTEGER REFERENCES poll_runs (id) ON DELETE SET NULL,"
  "  from_address TEXT,"
  "  created TEXT NOT NULL);"
  "CREATE TABLE ticket_steps ("
  "  id INTEGER PRIMARY KEY,"
  "  ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,"
  "  from_name TEXT,"
  "  from_address TEXT,"
  "  date TEXT,"
  "  message_id TEXT,"
  "  body_text TEXT NOT NULL DEFAULT '',"
  "  raw BLOB,"
  "  created TEXT NOT NULL);"
  "CREATE INDEX ticket_steps_ticket ON ticket_steps (ticket_id);"
  "CREATE INDEX ticket_steps_message_id ON ticket_steps (message_id);"
  "CREATE TABLE attachments ("
  "  id INTEGER PRIMARY KEY,"
  "  step_id INTEGER NOT NULL REFERENCES ticket_steps (id) ON DELETE CASCADE,"
  "  filename TEXT NOT NULL,"
  "  content_type TEXT NOT NULL,"
  "  size INTEGER NOT NULL,"
  "  inline INTEGER NOT NULL DEFAULT 0,"
  "  data BLOB);"
  "CREATE INDEX attachments_step ON attachments (step_id);"

  /* One row per e-mail seen on a server, written in the transaction that
   * stores what the e-mail became: the heart of exactly-once. */
  "CREATE TABLE message_receipts ("
  "  id INTEGER PRIMARY KEY,"
  "  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
  "  server_key TEXT NOT NULL,"
  "  message_id TEXT,"
  "  action TEXT NOT NULL,"
  "  ticket_id INTEGER REFERENCES tickets (id) ON DELETE SET NULL,"
  "  step_id INTEGER REFERENCES ticket_steps (id) ON DELETE SET NULL,"
  "  delete_pending INTEGER NOT NULL DEFAULT 0,"
  "  deleted TEXT,"
  "  created TEXT NOT NULL,"
  "  UNIQUE (account_id, server_key));"
  "CREATE INDEX message_receipts_message_id ON message_receipts (message_id);"

  "CREATE TABLE poll_events ("
  "  id INTEGER PRIMARY KEY,"
  "  run_id INTEGER NOT NULL REFERENCES poll_runs (id) ON DELETE CASCADE,"
  "  server_key TEXT,"
  "  message_id TEXT,"
  "  subject TEXT,"
  "  from_address TEXT,"
  "  action TEXT NOT NULL,"
  "  reason TEXT NOT NULL,"
  "  ticket_id INTEGER REFERENCES tickets (id) ON DELETE SET NULL,"
  "  raw BLOB,"
  "  created TEXT NOT NULL);"
  "CREATE INDEX poll_events_run ON poll_events (run_id);"

  /* Every mail we sent (auto-answers, notices): for In-Reply-To matching and
   * the per-sender daily cap. */
  "CREATE TABLE sent_messages ("
  "  id INTEGER PRIMARY KEY,"
  "  ticket_id INTEGER REFERENCES tickets (id) ON DELETE SET NULL,"
  "  account_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL,"
  "  message_id TEXT NOT NULL,"
  "  recipient TEXT NOT NULL COLLATE NOCASE,"
  "  kind TEXT NOT NULL,"
  "  sent TEXT NOT NULL);"
  "CREATE INDEX sent_messages_message_id ON sent_messages (message_id);"
  "CREATE INDEX sent_messages_recipient ON sent_messages (recipient, sent);",

  /* 2: auto-bundle looks up the tickets of the current and the previous poll
   * run for every mail; without this, each lookup reads every ticket. */
  "CREATE INDEX tickets_poll_run ON tickets (poll_run_id);"
  "CREATE INDEX poll_runs_account ON poll_runs (account_id, id);"
  "CREATE INDEX poll_events_server_key ON poll_events (server_key);",

  /* 3: one Message-ID becomes a ticket step once, whichever account or poll
   * reads it first: the database refuses the second import, so two polls
   * that race never both store it. Imports that a race doubled before are
   * kept as what they were, duplicates. */
  "UPDATE message_receipts SET action = 'skip-duplicate'"
  "  WHERE message_id IS NOT NULL AND action IN ('new-ticket', 'add-step', 'bundle')"
  "    AND id NOT IN (SELECT min(id) FROM message_receipts"
  "                   WHERE message_id IS NOT NULL"
  "                     AND action IN ('new-ticket', 'add-step', 'bundle')"
  "                   GROUP BY message_id);"
  "CREATE UNIQUE INDEX message_receipts_imported ON message_receipts (message_id)"
  "  WHERE action IN ('new-ticket', 'add-step', 'bundle');",

  /* 4: how each account fares (DESIGN.md's "health"): written by every poll
   * and check, read by the window, the poller and accounts show --json. */
  "CREATE TABLE account_health ("
  "  account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,"
  "  state TEXT NOT NULL"
  "    CHECK (state IN ('never-polled', 'ok', 'failing', 'sign-in-required')),"
  "  since TEXT,"
  "  message TEXT,"
  "  last_poll TEXT,"
  "  next_poll TEXT);",

  /* 5: raw copies of mail in a table of their own, the blob its last column:
   * only there does SQLite keep a zeroblob as a count, so that a 200 MB mail
   * streams in instead of being expanded in memory twice. Rows written
   * before keep their copy in the old raw column. */
  "CREATE TABLE raw_copies ("
  "  id INTEGER PRIMARY KEY,"
  "  data BLOB NOT NULL);"
  "ALTER TABLE ticket_steps ADD COLUMN raw_id INTEGER REFERENCES raw_copies (id);"
  "ALTER TABLE poll_events ADD COLUMN raw_id INTEGER REFERENCES raw_copies (id);",

  /* 6: the ticket side. Steps go in or out; a bounce step says whom the
   * mail did not reach and why; a ticket opened by a bounce is marked; a
   * poll log entry made into a ticket links it, so that it is done once. */
  "ALTER TABLE ticket_steps ADD COLUMN direction TEXT NOT NULL DEFAULT 'in'"
  "  CHECK (direction IN ('in', 'out'));"
  "ALTER TABLE ticket_steps ADD COLUMN to_addresses TEXT;"
  "ALTER TABLE ticket_steps ADD COLUMN cc_addresses TEXT;"
  "ALTER TABLE ticket_steps ADD COLUMN undeliverable INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE ticket_steps ADD COLUMN failed_recipient TEXT;"
  "ALTER TABLE ticket_steps ADD COLUMN delivery_status TEXT;"
  "ALTER TABLE tickets ADD COLUMN bounce INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE poll_events ADD COLUMN made_ticket_id INTEGER"
  "  REFERENCES tickets (id) ON DELETE SET NULL;"
  "ALTER TABLE poll_events ADD COLUMN made_ticket TEXT;",

  /* 7: OAuth connections name their grant (browser or device sign-in per
   * account, or app-only client credentials) and the device-code endpoint.
   * Tokens never come here: they live in the keyring. */
  "ALTER TABLE oauth_connections ADD COLUMN grant_type TEXT NOT NULL DEFAULT 'authorization_code'"
  "  CHECK (grant_type IN ('authorization_code', 'client_credentials'));"
  "ALTER TABLE oauth_connections ADD COLUMN device_url TEXT;",

  /* 8: an account may turn IMAP IDLE push off; it is on by default, and only
   * used where the server announces IDLE. */
  "ALTER TABLE accounts ADD COLUMN push INTEGER NOT NULL DEFAULT 1;",

  /* 9: an attachment is a reference into its step's raw mail (raw_copies
   * through ticket_steps.raw_id): where its body starts, how long it is
   * still encoded, and the Content-Transfer-Encoding that a reader undoes;
   * so the mail is stored once. An attachment without an exact place (a
   * repaired multipart, a forwarded message) keeps a decoded copy in data,
   * as every row written before this migration does, untouched. */
  "ALTER TABLE attachments ADD COLUMN raw_offset INTEGER;"
  "ALTER TABLE attachments ADD COLUMN raw_length INTEGER;"
  "ALTER TABLE attachments ADD COLUMN raw_encoding TEXT;",

  /* 10: auto-bundle's lookup goes straight to the tickets of a run with the
   * mail's subject; by the run alone it read every ticket of the run for
   * every mail, which made a poll of N mails cost N² row reads. */
  "CREATE INDEX tickets_run_subject ON tickets (poll_run_id, subject);",
};

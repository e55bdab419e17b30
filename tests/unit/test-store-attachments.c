/* test-store-attachments.c: attachments stored as references into the raw
 * mail, read back byte for byte as GMime decodes them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "hd-ingest.h"
#include "hd-store-attachments.h"
#include "hd-store-polls.h"
#include "hd-store-schema.h"
#include "hd-store-tickets.h"

typedef struct
{
  char *dir;
  char *path;
  HdStore *store;
  HdAccount *account;
  gint64 run_id;
  guint mails;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("hd-test-attachments-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "helpdesk.sqlite3", NULL);
  f->store = hd_store_open (f->path, &error);
  g_assert_no_error (error);
  f->account = g_object_new (HD_TYPE_ACCOUNT, "name", "Support", "host", "127.0.0.1",
                             "port", 993, "username", "support@helpdesk.test",
                             "account-address", "support@helpdesk.test",
                             "sender-address", "support@helpdesk.test", NULL);
  g_assert_true (hd_store_add_account (f->store, f->account, &error));
  f->run_id = hd_store_begin_poll_run (f->store,
                                       hd_store_get_account_id (f->store, "Support", NULL), &error);
  g_assert_no_error (error);
}

static void
remove_all (const char *dir)
{
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_remove (path);
    }
  g_rmdir (dir);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->account);
  g_clear_object (&f->store);
  remove_all (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

/* Imports @raw as the poll does: written to a file, parsed from it, stored
 * with the file as its raw copy. Returns the message, for what GMime decodes,
 * and the new ticket. */
static HdMessage *
import (Fixture      *f,
        const char   *raw,
        gsize         length,
        gint64       *out_ticket)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HdIngest) ingest = NULL;
  g_autoptr (HdStoreBatch) batch = NULL;
  g_autoptr (GFile) file = NULL;
  g_autofree char *name = g_strdup_printf ("mail-%u.eml", f->mails);
  g_autofree char *key = g_strdup_printf ("1/%u", ++f->mails);
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  HdIngestOutcome outcome = { 0 };
  HdMessage *message;

  g_assert_true (g_file_set_contents (path, raw, length, &error));
  message = hd_message_new_from_file (path, &error);
  g_assert_no_error (error);
  file = g_file_new_for_path (path);
  ingest = hd_ingest_new (f->store, f->account, f->run_id, &error);
  g_assert_no_error (error);
  batch = hd_store_batch_begin (f->store, &error);
  g_assert_no_error (error);
  g_assert_true (hd_ingest_process (ingest, batch, message, key, NULL, file, &outcome, &error));
  g_assert_no_error (error);
  g_assert_true (hd_store_batch_commit (batch, &error));
  g_assert_no_error (error);
  g_assert_cmpint (outcome.ticket_id, >, 0);
  *out_ticket = outcome.ticket_id;
  hd_ingest_outcome_clear (&outcome);
  return message;
}

/* The ids of the attachments of the ticket's last step, as `tickets show
 * --json` names them. */
static GArray *
attachment_ids (Fixture *f,
                gint64   ticket)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = hd_store_ticket_to_json (f->store, ticket, &error);
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  JsonArray *steps;
  JsonArray *attachments;

  g_assert_no_error (error);
  steps = json_object_get_array_member (json_node_get_object (node), "steps");
  attachments = json_object_get_array_member (
    json_array_get_object_element (steps, json_array_get_length (steps) - 1), "attachments");
  for (guint i = 0; i < json_array_get_length (attachments); i++)
    {
      gint64 id = json_object_get_int_member (json_array_get_object_element (attachments, i),
                                              "id");

      g_array_append_val (ids, id);
    }
  return ids;
}

/* Whether the store keeps a decoded copy of the attachment (else a reference). */
static gboolean
has_copy (Fixture *f,
          gint64   id)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean copy;

  g_assert_cmpint (sqlite3_open_v2 (f->path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT data IS NOT NULL, raw_offset IS NULL"
                                       " FROM attachments WHERE id = ?1", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  sqlite3_bind_int64 (stmt, 1, id);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  copy = sqlite3_column_int (stmt, 0);
  /* Exactly one of the two. */
  g_assert_cmpint (copy, ==, sqlite3_column_int (stmt, 1));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return copy;
}

static void
assert_same_bytes (GBytes *got,
                   GBytes *expected)
{
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got),
                   g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
}

/* Imports @raw and reads every attachment back from the store; each must be
 * what GMime decodes from the message. Returns how many were references. */
static guint
import_and_compare (Fixture    *f,
                    const char *raw,
                    gsize       length,
                    guint       expected_count)
{
  g_autoptr (HdMessage) message = NULL;
  g_autoptr (GArray) ids = NULL;
  GPtrArray *attachments;
  guint references = 0;
  gint64 ticket = 0;

  message = import (f, raw, length, &ticket);
  attachments = hd_message_get_attachments (message);
  ids = attachment_ids (f, ticket);
  g_assert_cmpuint (ids->len, ==, attachments->len);
  for (guint i = 0; i < attachments->len; i++)
    {
      const HdMessageAttachment *a = attachments->pdata[i];

      g_test_message ("%s %s: %" G_GUINT64_FORMAT " bytes at %" G_GINT64_FORMAT " (%s)",
                      a->filename, a->content_type, a->size, a->raw_offset,
                      a->raw_encoding ? a->raw_encoding : "none");
    }
  if (expected_count != G_MAXUINT)
    g_assert_cmpuint (ids->len, ==, expected_count);

  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) expected = hd_message_dup_attachment_bytes (message, i, &error);
      g_autoptr (GBytes) got = NULL;
      const HdMessageAttachment *a = attachments->pdata[i];
      gint64 id = g_array_index (ids, gint64, i);

      g_assert_no_error (error);
      got = hd_store_read_attachment_sync (f->store, id, NULL, &error);
      g_assert_no_error (error);
      assert_same_bytes (got, expected);
      g_assert_cmpuint (g_bytes_get_size (got), ==, a->size);
      g_assert_cmpint (has_copy (f, id), ==, a->raw_offset < 0);
      if (a->raw_offset >= 0)
        references++;
    }
  return references;
}

static const char binary_bytes[] = "\x00\x01\x02\xff\xfe\r\n\r\x1b\x80 binary\x00";

/* A mail with every transfer encoding, nested multiparts, an inline image,
 * a forwarded mail and a uuencoded part. */
static GString *
mixed_mail (gsize base64_bytes)
{
  GString *raw = g_string_new ("From: Carol <carol@example.org>\r\n"
                               "To: support@helpdesk.test\r\n"
                               "Subject: Files\r\n"
                               "Message-ID: <files@example.org>\r\n"
                               "MIME-Version: 1.0\r\n"
                               "Content-Type: multipart/mixed; boundary=\"OUT\"\r\n\r\n"
                               "--OUT\r\n"
                               "Content-Type: multipart/related; boundary=\"REL\"\r\n\r\n"
                               "--REL\r\n"
                               "Content-Type: text/html; charset=utf-8\r\n\r\n"
                               "<p>The logo: <img src=\"cid:logo@x\"></p>\r\n"
                               "--REL\r\n"
                               "Content-Type: image/png\r\n"
                               "Content-ID: <logo@x>\r\n"
                               "Content-Transfer-Encoding: base64\r\n\r\n"
                               "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ\r\n"
                               "AAAADUlEQVR4nGNgYPgP\r\n"
                               "AAEEAQBf2l0aAAAAAElFTkSuQmCC\r\n"
                               "--REL--\r\n\r\n"
                               "--OUT\r\n"
                               "Content-Type: application/octet-stream; name=\"data.bin\"\r\n"
                               "Content-Disposition: attachment; filename=\"data.bin\"\r\n"
                               "Content-Transfer-Encoding: base64\r\n\r\n");
  g_autoptr (GByteArray) data = g_byte_array_new ();
  g_autofree char *encoded = NULL;

  for (gsize i = 0; i < base64_bytes; i++)
    {
      guint8 byte = (guint8) ((i * 7919) ^ (i >> 8));

      g_byte_array_append (data, &byte, 1);
    }
  encoded = g_base64_encode (data->data, data->len);
  for (gsize i = 0, length = strlen (encoded); i < length; i += 76)
    {
      g_string_append_len (raw, encoded + i, MIN (length - i, 76));
      g_string_append (raw, "\r\n");
    }
  g_string_append (raw,
                   "--OUT\r\n"
                   "Content-Type: text/plain; charset=utf-8; name=\"notes.txt\"\r\n"
                   "Content-Disposition: attachment; filename=\"notes.txt\"\r\n"
                   "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                   "Gr=C3=BC=C3=9Fe, a =3D sign and a soft=\r\n"
                   " break; trailing space=20\r\n"
                   "second line\r\n"
                   "--OUT\r\n"
                   "Content-Type: text/plain; charset=utf-8\r\n"
                   "Content-Disposition: attachment; filename=\"eight.txt\"\r\n"
                   "Content-Transfer-Encoding: 8bit\r\n\r\n"
                   "Stra\xc3\x9f" "e, 8 bit\r\n"
                   "--OUT\r\n"
                   "Content-Type: text/csv\r\n"
                   "Content-Disposition: attachment; filename=\"seven.csv\"\r\n"
                   "Content-Transfer-Encoding: 7bit\r\n\r\n"
                   "a,b\r\nc,d\r\n"
                   "--OUT\r\n"
                   "Content-Type: application/x-plain-default; name=\"none.dat\"\r\n\r\n"
                   "no transfer encoding declared\r\n"
                   "--OUT\r\n"
                   "Content-Type: application/octet-stream; name=\"raw.bin\"\r\n"
                   "Content-Transfer-Encoding: binary\r\n\r\n");
  g_string_append_len (raw, binary_bytes, sizeof binary_bytes - 1);
  g_string_append (raw,
                   "\r\n--OUT\r\n"
                   "Content-Type: multipart/mixed; boundary=\"IN\"\r\n\r\n"
                   "--IN\r\n"
                   "Content-Type: application/pdf; name=\"inner.pdf\"\r\n"
                   "Content-Transfer-Encoding: base64\r\n\r\n"
                   "JVBERi0xLjQKJcTl8uXrp/Og0MTGCg==\r\n"
                   "--IN--\r\n"
                   "--OUT\r\n"
                   "Content-Type: message/rfc822\r\n\r\n"
                   "From: dave@example.org\r\n"
                   "Subject: Forwarded\r\n\r\n"
                   "The forwarded text.\r\n"
                   "--OUT\r\n"
                   "Content-Type: application/octet-stream; name=\"uu.txt\"\r\n"
                   "Content-Transfer-Encoding: x-uuencode\r\n\r\n"
                   "begin 644 uu.txt\r\n"
                   "#:&D*\r\n"
                   "`\r\n"
                   "end\r\n"
                   "--OUT--\r\n");
  return raw;
}

static void
test_every_encoding (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr (GString) raw = mixed_mail (5000);
  guint references;

  /* logo, data.bin, notes.txt, eight.txt, seven.csv, none.dat, raw.bin,
   * inner.pdf: references; the forwarded mail and the uuencoded part:
   * decoded copies. */
  references = import_and_compare (f, raw->str, raw->len, 10);
  g_assert_cmpuint (references, ==, 8);
}

/* A mail over the size that HdMessage reads into memory is parsed from its
 * file; the ranges are the same. */
static void
test_large_mail_from_file (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr (GString) raw = mixed_mail (3 * 1024 * 1024);

  g_assert_cmpuint (raw->len, >, 2 * 1024 * 1024);
  g_assert_cmpuint (import_and_compare (f, raw->str, raw->len, 10), ==, 8);
}

/* Every mail of the fixtures, the broken ones too (a repaired multipart, a
 * banner before the headers, a uuencoded file in text): whatever is stored,
 * a reference or a copy, reads back as GMime decodes it. */
static void
test_fixture_mails (Fixture       *f,
                    gconstpointer  data)
{
  const char *fixtures = g_getenv ("HD_TEST_FIXTURES");
  g_autofree char *folder = NULL;
  g_autoptr (GDir) dir = NULL;
  const char *name;
  guint mails = 0, attachments = 0;

  g_assert_nonnull (fixtures);
  folder = g_build_filename (fixtures, "mail", NULL);
  dir = g_dir_open (folder, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);
      g_autofree char *contents = NULL;
      g_autoptr (HdMessage) message = NULL;
      gsize length = 0;

      if (!g_str_has_suffix (name, ".eml"))
        continue;
      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      message = hd_message_new_from_file (path, NULL);
      if (message == NULL || hd_message_get_attachments (message)->len == 0)
        continue;
      /* A fresh account run for each, so that none bundles with another. */
      f->run_id = hd_store_begin_poll_run (f->store,
                                           hd_store_get_account_id (f->store, "Support", NULL),
                                           NULL);
      attachments += hd_message_get_attachments (message)->len;
      import_and_compare (f, contents, length, G_MAXUINT);
      mails++;
    }
  g_assert_cmpuint (mails, >=, 4);
  g_assert_cmpuint (attachments, >=, 10);
}

/* A copy written before references existed reads back as it was stored;
 * an unknown id is NOT_FOUND. */
static void
test_copies_and_unknown (Fixture       *f,
                         gconstpointer  data)
{
  HdTicketSpec ticket = { .subject = "Old", .account_id = 1 };
  HdStepSpec step = { .from_address = "carol@example.org", .body_text = "old" };
  g_autoptr (GBytes) content = g_bytes_new (binary_bytes, sizeof binary_bytes - 1);
  g_autoptr (GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr (GBytes) got = NULL;
  g_autoptr (GBytes) got_empty = NULL;
  g_autoptr (GError) error = NULL;
  gint64 ticket_id, step_id, id, empty_id;

  ticket_id = hd_store_create_ticket (f->store, &ticket, NULL, &error);
  g_assert_no_error (error);
  step_id = hd_store_add_step (f->store, ticket_id, &step, NULL, 0, &error);
  g_assert_no_error (error);
  id = hd_store_add_attachment (f->store, step_id, "old.bin", NULL, FALSE, content, &error);
  g_assert_no_error (error);
  empty_id = hd_store_add_attachment (f->store, step_id, "empty", NULL, FALSE, empty, &error);
  g_assert_no_error (error);

  got = hd_store_read_attachment_sync (f->store, id, NULL, &error);
  g_assert_no_error (error);
  assert_same_bytes (got, content);
  got_empty = hd_store_read_attachment_sync (f->store, empty_id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (got_empty), ==, 0);

  g_assert_null (hd_store_read_attachment_sync (f->store, empty_id + 100, NULL, &error));
  g_assert_error (error, HD_STORE_ERROR, HD_STORE_ERROR_NOT_FOUND);
}

/* A database of schema 8 with an attachment copy: migration 9 keeps it. */
static void
test_migration_keeps_copies (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "old.sqlite3", NULL);
  g_autoptr (HdStore) store = NULL;
  g_autoptr (GBytes) got = NULL;
  g_autoptr (GError) error = NULL;
  sqlite3 *db = NULL;

  g_assert_cmpint (G_N_ELEMENTS (hd_store_migrations), >=, 9);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  for (guint i = 0; i < 8; i++)
    g_assert_cmpint (sqlite3_exec (db, hd_store_migrations[i], NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "PRAGMA user_version = 8;"
                                 "INSERT INTO tickets (id, token, subject, created)"
                                 "  VALUES (1, 'ABCDE', 'Old', '2026-01-01T00:00:00Z');"
                                 "INSERT INTO ticket_steps (id, ticket_id, created)"
                                 "  VALUES (1, 1, '2026-01-01T00:00:00Z');"
                                 "INSERT INTO attachments (id, step_id, filename, content_type,"
                                 "  size, data) VALUES (7, 1, 'a.txt', 'text/plain', 5,"
                                 "  CAST('hello' AS BLOB));",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);

  store = hd_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (hd_store_get_schema_version (store), ==,
                   hd_store_get_latest_schema_version ());
  got = hd_store_read_attachment_sync (store, 7, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), "hello", 5);
}

static void
read_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GBytes **out = user_data;
  g_autoptr (GError) error = NULL;

  *out = hd_store_read_attachment_finish (HD_STORE (source), result, &error);
  g_assert_no_error (error);
}

/* The async read, on a connection of its own in a worker thread. */
static void
test_async (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr (GString) raw = mixed_mail (2000);
  g_autoptr (HdMessage) message = NULL;
  g_autoptr (GArray) ids = NULL;
  g_autoptr (GBytes) expected = NULL;
  g_autoptr (GBytes) got = NULL;
  g_autoptr (GError) error = NULL;
  gint64 ticket = 0;

  message = import (f, raw->str, raw->len, &ticket);
  ids = attachment_ids (f, ticket);
  /* data.bin, a reference. */
  expected = hd_message_dup_attachment_bytes (message, 1, &error);
  g_assert_no_error (error);
  g_assert_false (has_copy (f, g_array_index (ids, gint64, 1)));
  hd_store_read_attachment_async (f->store, g_array_index (ids, gint64, 1), NULL, read_done_cb,
                                  &got);
  while (got == NULL)
    g_main_context_iteration (NULL, TRUE);
  assert_same_bytes (got, expected);
  g_assert_cmpuint (g_bytes_get_size (got), ==, 2000);
}

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/store-attachments/every-encoding", test_every_encoding);
  ADD ("/store-attachments/large-mail-from-file", test_large_mail_from_file);
  ADD ("/store-attachments/fixture-mails", test_fixture_mails);
  ADD ("/store-attachments/copies-and-unknown", test_copies_and_unknown);
  ADD ("/store-attachments/migration-keeps-copies", test_migration_keeps_copies);
  ADD ("/store-attachments/async", test_async);
  return g_test_run ();
}

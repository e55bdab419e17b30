/* fuzz-common.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fuzz-common.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "hd-store-batch.h"
#include "hd-store-polls.h"
#include "hd-store-tickets.h"

static FuzzHelpdesk *helpdesk;

static void
remove_helpdesk (void)
{
  const char *suffixes[] = { "", "-wal", "-shm", "-journal" };

  if (helpdesk == NULL)
    return;
  g_clear_object (&helpdesk->account);
  g_clear_object (&helpdesk->store);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (helpdesk->dir, "/helpdesk.sqlite3", suffixes[i], NULL);
      g_remove (path);
    }
  g_rmdir (helpdesk->dir);
  g_free (helpdesk->dir);
  g_free (helpdesk->token);
  g_clear_pointer (&helpdesk, g_free);
}

/**
 * fuzz_init:
 *
 * A critical is a broken precondition, a bug like a crash: it aborts, and
 * libFuzzer saves the input. Nothing is printed for each input.
 */
void
fuzz_init (void)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR);
  g_setenv ("G_MESSAGES_DEBUG", "", TRUE);
  /* The keyring is never needed, and GSettings must not look for dconf. */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
}

static HdAccount *
add_account (HdStore    *store,
             const char *name,
             const char *address)
{
  g_autoptr (GError) error = NULL;
  HdAccount *account = g_object_new (HD_TYPE_ACCOUNT, "name", name, "host", "127.0.0.1",
                                     "port", 993, "username", address, "account-address", address,
                                     "sender-address", address, NULL);

  if (!hd_store_add_account (store, account, &error))
    g_error ("fuzz: cannot add the account %s: %s", name, error->message);
  return account;
}

static void
seed_ticket (FuzzHelpdesk *h)
{
  static const char text[] =
    "From: Carol <carol@example.org>\r\n"
    "To: support@helpdesk.test\r\n"
    "Subject: Printer broken\r\n"
    "Message-ID: " FUZZ_SEED_MESSAGE_ID "\r\n"
    "Date: Fri, 27 Nov 2026 10:00:00 +0100\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "The printer on floor 2 is broken.\r\n";
  g_autoptr (GBytes) bytes = g_bytes_new_static (text, sizeof text - 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (HdMessage) message = hd_message_new_from_bytes (bytes, &error);
  g_autoptr (HdIngestDecision) decision = NULL;
  g_autoptr (HdStoreBatch) batch = NULL;

  if (message != NULL)
    decision = hd_ingest_decide (h->store, h->account, h->run_id, message, &error);
  if (decision == NULL || (batch = hd_store_batch_begin (h->store, &error)) == NULL
      || !hd_ingest_apply (h->store, h->account, h->run_id, message, "1:1", NULL, decision,
                           &h->ticket_id, &error)
      || !hd_store_batch_commit (batch, &error))
    g_error ("fuzz: cannot seed a ticket: %s", error ? error->message : "no decision");
  h->token = hd_store_dup_ticket_token (h->store, h->ticket_id);
}

/**
 * fuzz_helpdesk_get:
 *
 * Returns: (transfer none): the helpdesk of this process, made on first
 *   use and removed at exit. Targets only read it.
 */
FuzzHelpdesk *
fuzz_helpdesk_get (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr (HdAccount) sales = NULL;

  if (helpdesk != NULL)
    return helpdesk;

  helpdesk = g_new0 (FuzzHelpdesk, 1);
  helpdesk->dir = g_dir_make_tmp ("hd-fuzz-XXXXXX", &error);
  if (helpdesk->dir == NULL)
    g_error ("fuzz: %s", error->message);
  atexit (remove_helpdesk);

  path = g_build_filename (helpdesk->dir, "helpdesk.sqlite3", NULL);
  helpdesk->store = hd_store_open (path, &error);
  if (helpdesk->store == NULL)
    g_error ("fuzz: %s", error->message);
  helpdesk->account = add_account (helpdesk->store, "Support", "support@helpdesk.test");
  sales = add_account (helpdesk->store, "Sales", "sales@helpdesk.test");
  if (hd_store_add_user (helpdesk->store, "carol", "carol@example.org", &error) == 0)
    g_error ("fuzz: %s", error->message);
  if (!hd_store_set_setting (helpdesk->store, "reference.keywords", "Case, Ref-No", &error))
    g_error ("fuzz: %s", error->message);
  helpdesk->run_id = hd_store_begin_poll_run (helpdesk->store,
                                              hd_store_get_account_id (helpdesk->store,
                                                                       "Support", NULL),
                                              &error);
  if (helpdesk->run_id == 0)
    g_error ("fuzz: %s", error ? error->message : "no poll run");
  seed_ticket (helpdesk);
  return helpdesk;
}

/**
 * fuzz_with_token:
 *
 * Returns: (transfer full): @data with every FUZZ_TOKEN_PLACEHOLDER replaced
 *   by the seeded ticket's letters, and a NUL after its end that is not
 *   counted in its size.
 */
GBytes *
fuzz_with_token (FuzzHelpdesk  *h,
                 const uint8_t *data,
                 size_t         size)
{
  GByteArray *out = g_byte_array_sized_new (size + 1);
  g_autoptr (GBytes) whole = NULL;
  gsize placeholder = strlen (FUZZ_TOKEN_PLACEHOLDER);
  const uint8_t *p = data;
  const uint8_t *end = data + size;
  const uint8_t *found;
  gsize length;

  while (p < end && (found = memchr (p, FUZZ_TOKEN_PLACEHOLDER[0], end - p)) != NULL)
    {
      g_byte_array_append (out, p, found - p);
      if ((gsize) (end - found) >= placeholder
          && memcmp (found, FUZZ_TOKEN_PLACEHOLDER, placeholder) == 0)
        {
          g_byte_array_append (out, (const guint8 *) h->token, strlen (h->token));
          p = found + placeholder;
        }
      else
        {
          g_byte_array_append (out, found, 1);
          p = found + 1;
        }
    }
  if (p < end)
    g_byte_array_append (out, p, end - p);
  length = out->len;
  g_byte_array_append (out, (const guint8 *) "", 1);
  whole = g_byte_array_free_to_bytes (out);
  return g_bytes_new_from_bytes (whole, 0, length);
}

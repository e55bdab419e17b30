/* hd-poll-job-fetch.c: one mail from the server into a temporary file,
 * and the content key of a mail whose server key names no single mail.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-poll-job-private.h"

#include <glib/gi18n-lib.h>

/* The key of a mail whose server key names no single mail (a UIDL listed
 * twice, or reused for a new mail): its UIDL and a hash of its bytes, read
 * through in pieces so that a big mail is never held whole. */
static char *
content_key (const char *base,
             GFile      *file)
{
  g_autoptr (GFileInputStream) input = g_file_read (file, NULL, NULL);
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 buffer[64 * 1024];
  gssize n;

  if (input == NULL)
    return NULL;
  while ((n = g_input_stream_read (G_INPUT_STREAM (input), buffer, sizeof buffer, NULL,
                                   NULL)) > 0)
    g_checksum_update (checksum, buffer, n);
  if (n < 0)
    return NULL;
  return g_strdup_printf ("%s#%.32s", base, g_checksum_get_string (checksum));
}

/* Fetches one mail into a fresh temporary file; for a handle that names no
 * single mail, works out its content key and whether it is known. Returns
 * FALSE when the session failed; *out_file is NULL when there is nothing
 * (more) to do with this mail. */
gboolean
hd_poll_job_fetch_one (HdPollJob     *self,
                       const char    *uid,
                       const char    *key,
                       const char    *base,
                       GFile        **out_file,
                       char         **out_key,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_autoptr (GFileIOStream) io = NULL;
  g_autoptr (GFile) file = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *own_key = NULL;

  *out_file = NULL;
  file = g_file_new_tmp ("helpdesk-mail-XXXXXX.eml", &io, error);
  if (file == NULL)
    return FALSE;

  /* Into the fresh temporary file as it is: no replace-and-rename, whose
   * fsync per mail would cost more than the whole parse. */
  if (!hd_mailbox_fetch_sync (self->mailbox, uid,
                              g_io_stream_get_output_stream (G_IO_STREAM (io)), cancellable,
                              &local_error)
      || !g_io_stream_close (G_IO_STREAM (io), cancellable, &local_error))
    {
      g_file_delete (file, NULL, NULL);
      if (g_error_matches (local_error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_NOT_FOUND))
        return TRUE; /* deleted by someone else meanwhile */
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  _("The connection failed while fetching mail %s, which stays "
                                    "on the server: "),
                                  key != NULL ? key : base);
      return FALSE;
    }

  if (key == NULL)
    {
      own_key = content_key (base, file);
      if (own_key == NULL)
        {
          g_file_delete (file, NULL, NULL);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("Could not read back mail %s, which stays on the server"), base);
          return FALSE;
        }
      g_hash_table_replace (self->uid_by_key, g_strdup (own_key), g_strdup (uid));
      switch (hd_store_lookup_receipt (self->store, self->account_id, own_key))
        {
        case HD_RECEIPT_NONE:
          break;
        case HD_RECEIPT_DELETE_PENDING:
        case HD_RECEIPT_DELETED:
          /* This very mail is stored: it goes, by the handle of this session. */
          g_ptr_array_add (self->delete_keys, g_strdup (own_key));
          G_GNUC_FALLTHROUGH;
        case HD_RECEIPT_KEPT:
        default:
          g_file_delete (file, NULL, NULL);
          return TRUE;
        }
    }

  *out_key = own_key != NULL ? g_steal_pointer (&own_key) : g_strdup (key);
  *out_file = g_steal_pointer (&file);
  return TRUE;
}


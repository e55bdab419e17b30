/* hd-mailbox-imap.c: HdMailboxImap, the IMAP subclass of HdMailbox: what
 * the server's lines tell, and list, fetch and delete on the account's
 * folder, each UID command bound to the UIDVALIDITY it was listed under,
 * with the \Seen flag that a fetch sets taken off again.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-mailbox-imap-private.h"

#include <glib/gi18n-lib.h>
#include <string.h>


#define FLAGS_CHUNK 100


G_DEFINE_FINAL_TYPE (HdMailboxImap, hd_mailbox_imap, HD_TYPE_MAILBOX)

const char *
hd_mailbox_imap_folder_name (HdMailboxImap *self)
{
  return hd_account_get_folder (hd_mailbox_get_account (HD_MAILBOX (self)));
}

/* The server-side text after the status word's tag, e.g. "NO [AUTH…] …" out
 * of "A002 NO [AUTH…] …"; NULL when @line is no tagged status reply. */
const char *
hd_mailbox_imap_tagged_status (const char *line)
{
  const char *space = strchr (line, ' ');
  const char *status;

  if (line[0] == '*' || line[0] == '+' || space == NULL || space == line)
    return NULL;
  status = space + 1;
  if (g_str_has_prefix (status, "OK") || g_str_has_prefix (status, "NO")
      || g_str_has_prefix (status, "BAD"))
    return status;
  return NULL;
}

static void
parse_imap_capabilities (HdMailboxImap *self,
                         const char *caps)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (HD_MAILBOX (self));
  g_auto(GStrv) words = g_strsplit (caps, " ", -1);
  g_autoptr(GString) mechs = g_string_new (NULL);
  gboolean login_disabled = FALSE;

  g_free (self->capabilities);
  self->capabilities = g_strdup (caps);

  /* The capabilities sent with or after the login reply (Dovecot sends them
   * before its tagged OK) say nothing about how to log in. */
  if (priv->authenticating || priv->authenticated)
    return;

  for (guint i = 0; words[i] != NULL; i++)
    {
      if (g_ascii_strncasecmp (words[i], "AUTH=", 5) == 0)
        {
          if (mechs->len > 0)
            g_string_append_c (mechs, ' ');
          g_string_append (mechs, words[i] + 5);
        }
      else if (g_ascii_strcasecmp (words[i], "LOGINDISABLED") == 0)
        login_disabled = TRUE;
    }
  g_free (priv->mechanisms);
  priv->mechanisms = g_string_free (g_steal_pointer (&mechs), FALSE);
  priv->login_disabled = login_disabled;
}

/**
 * hd_mailbox_imap_encode_folder:
 * @folder: a folder name in UTF-8
 *
 * Spells @folder in modified UTF-7 (RFC 3501 §5.1.3), as IMAP servers
 * expect mailbox names unless UTF-8 was enabled (libcurl never sends
 * ENABLE UTF8=ACCEPT): printable ASCII as it is, "&" as "&-", every other
 * run as "&" + base64 of its UTF-16BE with "," for "/" + "-".
 *
 * Returns: (transfer full): the encoded name
 */
char *
hd_mailbox_imap_encode_folder (const char *folder)
{
  static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
  GString *out = g_string_new (NULL);
  const char *p = folder;

  while (*p != '\0')
    {
      guint32 bits = 0;
      int n_bits = 0;

      if ((guchar) *p >= 0x20 && (guchar) *p < 0x7f)
        {
          g_string_append (out, *p == '&' ? "&-" : (char[]) { *p, '\0' });
          p++;
          continue;
        }

      g_string_append_c (out, '&');
      while (*p != '\0' && !((guchar) *p >= 0x20 && (guchar) *p < 0x7f))
        {
          gunichar c = g_utf8_get_char_validated (p, -1);
          gunichar2 units[2];
          int n_units;

          if (c == (gunichar) -1 || c == (gunichar) -2)
            {
              c = 0xFFFD;
              p++;
            }
          else
            p = g_utf8_next_char (p);
          if (c >= 0x10000)
            {
              units[0] = 0xD800 + ((c - 0x10000) >> 10);
              units[1] = 0xDC00 + ((c - 0x10000) & 0x3FF);
              n_units = 2;
            }
          else
            {
              units[0] = (gunichar2) c;
              n_units = 1;
            }
          for (int i = 0; i < n_units; i++)
            {
              bits = (bits << 16) | units[i];
              n_bits += 16;
              while (n_bits >= 6)
                {
                  n_bits -= 6;
                  g_string_append_c (out, alphabet[(bits >> n_bits) & 0x3F]);
                }
            }
        }
      if (n_bits > 0)
        g_string_append_c (out, alphabet[(bits << (6 - n_bits)) & 0x3F]);
      g_string_append_c (out, '-');
    }
  return g_string_free (out, FALSE);
}

static char *
folder_path (HdMailboxImap *self,
             const char *suffix)
{
  g_autofree char *encoded = hd_mailbox_imap_encode_folder (hd_mailbox_imap_folder_name (self));
  g_autofree char *escaped = g_uri_escape_string (encoded, NULL, FALSE);

  return g_strconcat ("/", escaped, suffix, NULL);
}

/* The folder as it was listed: with its UIDVALIDITY, libcurl SELECTs it
 * again on a new connection and refuses the command when the folder was
 * rebuilt meanwhile, so an old UID never names a new mail. */
static char *
uid_folder_path (HdMailboxImap *self,
                 const char *uid)
{
  g_autofree char *suffix = NULL;

  if (self->listed_uidvalidity == 0)
    return folder_path (self, NULL);
  suffix = uid != NULL
           ? g_strdup_printf (";UIDVALIDITY=%u;UID=%s", self->listed_uidvalidity, uid)
           : g_strdup_printf (";UIDVALIDITY=%u", self->listed_uidvalidity);
  return folder_path (self, suffix);
}

void
hd_mailbox_imap_set_identity_changed (HdMailboxImap  *self,
                                      guint32         uidvalidity,
                                      GError        **error)
{
  g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_IDENTITY_CHANGED,
               _("The server renumbered the mail in %s (UIDVALIDITY %u, listed as %u); "
                 "nothing was fetched or deleted, and the next poll reads the folder anew"),
               hd_mailbox_imap_folder_name (self), uidvalidity, self->listed_uidvalidity);
}

/* One command on UIDs of the listed folder. Fails with IDENTITY_CHANGED,
 * and sends nothing that acts on mail, when the folder's UIDVALIDITY is no
 * longer the one the UIDs were listed under. */
static gboolean
perform_on_uids (HdMailboxImap *self,
                 const char    *uid,
                 const char    *command,
                 GOutputStream *sink,
                 GString       *body,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autofree char *path = uid_folder_path (self, uid);
  g_autoptr (GError) local_error = NULL;
  gboolean ok;

  ok = hd_mailbox_perform (HD_MAILBOX (self), path, command, FALSE, sink, body, cancellable,
                           &local_error);
  if (self->listed_uidvalidity != 0 && self->uidvalidity != 0
      && self->uidvalidity != self->listed_uidvalidity)
    {
      g_clear_error (&local_error);
      hd_mailbox_imap_set_identity_changed (self, self->uidvalidity, error);
      return FALSE;
    }
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return ok;
}

/* A UID command that acts on the listed mail without a body: on the raw
 * connection once a batched fetch opened it (the same UIDVALIDITY check on
 * its SELECT), else through libcurl. */
static gboolean
uid_command (HdMailboxImap *self,
             const char    *command,
             GString       *reply,
             GCancellable  *cancellable,
             GError       **error)
{
  if (self->raw_used)
    return hd_mailbox_imap_raw_command (self, command, reply, cancellable, error);
  return perform_on_uids (self, NULL, command, NULL, reply, cancellable, error);
}

static void
hd_mailbox_imap_server_line (HdMailbox  *mailbox,
                             const char *line)
{
  HdMailboxImap *self = HD_MAILBOX_IMAP (mailbox);
  const char *status;

  if (g_str_has_prefix (line, "* "))
    {
      const char *rest = line + 2;
      const char *code = strchr (rest, '[');
      guint64 number;
      char *end;

      if (code != NULL && g_ascii_strncasecmp (code, "[CAPABILITY ", 12) == 0)
        {
          g_autofree char *caps = g_strndup (code + 12, strcspn (code + 12, "]"));

          parse_imap_capabilities (self, caps);
        }
      else if (code != NULL && g_ascii_strncasecmp (code, "[UIDVALIDITY ", 13) == 0)
        self->uidvalidity = (guint32) g_ascii_strtoull (code + 13, NULL, 10);
      else if (g_ascii_strncasecmp (rest, "CAPABILITY ", 11) == 0)
        parse_imap_capabilities (self, rest + 11);
      else if (g_ascii_strncasecmp (rest, "BYE", 3) == 0)
        {
          /* The BYE that answers libcurl's LOGOUT after a refused command
           * says nothing; the refusal before it is the server's word. */
          if (hd_mailbox_get_failure_reply (mailbox) == NULL)
            hd_mailbox_set_failure_reply (mailbox, rest);
        }
      else if (g_ascii_isdigit (rest[0]))
        {
          number = g_ascii_strtoull (rest, &end, 10);
          if (g_ascii_strcasecmp (end, " EXISTS") == 0)
            self->exists = (guint) number;
          /* Each expunged message lowers the count that the list walks. */
          else if (g_ascii_strcasecmp (end, " EXPUNGE") == 0 && self->exists > 0)
            self->exists--;
        }
      return;
    }

  hd_mailbox_note_sasl_challenge (mailbox, line);
  status = hd_mailbox_imap_tagged_status (line);
  if (status == NULL)
    return;

  hd_mailbox_note_status (mailbox, status, g_str_has_prefix (status, "OK"));
}

static void
hd_mailbox_imap_client_line (HdMailbox  *mailbox,
                             const char *line)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (mailbox);
  const char *space = strchr (line, ' ');
  const char *command;

  if (space == NULL)
    return;
  command = space + 1;
  if (g_ascii_strncasecmp (command, "AUTHENTICATE ", 13) == 0
      || g_ascii_strncasecmp (command, "LOGIN ", 6) == 0)
    priv->authenticating = TRUE;
}

static void
hd_mailbox_imap_connection_reset (HdMailbox *mailbox)
{
  HdMailboxImap *self = HD_MAILBOX_IMAP (mailbox);

  g_clear_pointer (&self->capabilities, g_free);
  self->exists = 0;
  self->uidvalidity = 0;
  g_clear_pointer (&self->seen_at_list, g_array_unref);
}

static gboolean
hd_mailbox_imap_check (HdMailbox     *mailbox,
                       guint         *count,
                       char         **out_text,
                       GCancellable  *cancellable,
                       GError       **error)
{
  HdMailboxImap *self = HD_MAILBOX_IMAP (mailbox);
  g_autofree char *path = folder_path (self, NULL);

  /* libcurl SELECTs the folder of the URL before a custom command; NOOP then
   * costs nothing, and the SELECT's EXISTS is the count. */
  if (!hd_mailbox_perform (mailbox, path, "NOOP", FALSE, NULL, NULL, cancellable, error))
    return FALSE;
  *count = self->exists;
  *out_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message in %s",
                                            "%u messages in %s", self->exists),
                               self->exists, hd_mailbox_imap_folder_name (self));
  return TRUE;
}

static gboolean
hd_mailbox_imap_list (HdMailbox     *mailbox,
                      guint32       *out_uidvalidity,
                      HdHandles    **out_handles,
                      GCancellable  *cancellable,
                      GError       **error)
{
  HdMailboxImap *self = HD_MAILBOX_IMAP (mailbox);
  g_autofree char *path = folder_path (self, NULL);
  g_autoptr(GArray) found = g_array_new (FALSE, FALSE, sizeof (HdImapListed));
  g_autoptr(GArray) seen = NULL;
  g_autoptr(HdHandles) uids = hd_handles_new ();
  g_auto(GStrv) lines = NULL;

  /* SELECT (curl sends it before the first command on the folder) tells
   * EXISTS and UIDVALIDITY. */
  if (!hd_mailbox_perform (mailbox, path, "NOOP", FALSE, NULL, NULL, cancellable, error))
    return FALSE;
  if (self->uidvalidity == 0)
    {
      g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_FAILED,
                   _("The server did not report the UIDVALIDITY of %s"),
                   hd_mailbox_imap_folder_name (self));
      return FALSE;
    }
  self->listed_uidvalidity = self->uidvalidity;

  /* UIDs and flags together, a hundred messages per command. Not UID SEARCH:
   * libcurl 7.88 hands a response line longer than its buffer over in parts,
   * which cuts a long SEARCH line; and it counts each line of a command's
   * response against its 300 KiB limit on headers, about 1 KiB a line, so a
   * command of a few hundred lines fails. Knowing the flags here saves each
   * fetch a FLAGS round trip of its own. */
  for (guint first = 1; first <= self->exists; first += FLAGS_CHUNK)
    {
      guint last = MIN (self->exists, first + FLAGS_CHUNK - 1);
      g_autofree char *command = g_strdup_printf ("FETCH %u:%u (UID FLAGS)", first, last);
      g_autoptr(GString) chunk = g_string_new (NULL);

      if (!perform_on_uids (self, NULL, command, NULL, chunk, cancellable, error))
        return FALSE;
      lines = g_strsplit (chunk->str, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        {
          HdImapListed one = { 0 };
          gboolean is_seen;

          if (!hd_mailbox_imap_parse_fetch_flags (lines[i], &one.uid, &is_seen))
            continue;
          one.seen = is_seen;
          g_array_append_val (found, one);
        }
      g_clear_pointer (&lines, g_strfreev);
    }

  seen = hd_mailbox_imap_listed_sort (found, uids);
  g_clear_pointer (&self->seen_at_list, g_array_unref);
  self->seen_at_list = g_steal_pointer (&seen);

  if (out_uidvalidity != NULL)
    *out_uidvalidity = self->uidvalidity;
  if (out_handles != NULL)
    *out_handles = g_steal_pointer (&uids);
  return TRUE;
}

static gboolean
hd_mailbox_imap_fetch (HdMailbox     *mailbox,
                       const char    *uid,
                       GOutputStream *stream,
                       GCancellable  *cancellable,
                       GError       **error)
{
  HdMailboxImap *self = HD_MAILBOX_IMAP (mailbox);
  HdMailboxPrivate *priv = hd_mailbox_get_private (mailbox);
  g_autofree char *flags_command = NULL;
  g_autoptr(GString) flags = g_string_new (NULL);
  g_autoptr(GError) fetch_error = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean found = FALSE;
  gboolean seen = FALSE;
  gboolean fetched;

  if (!hd_mailbox_is_digits (uid))
    {
      g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_INVALID,
                   _("“%s” is not an IMAP UID"), uid);
      return FALSE;
    }

  if (hd_mailbox_imap_lookup_listed (self, uid, &seen))
    found = TRUE;
  else
    {
      flags_command = g_strdup_printf ("UID FETCH %s (FLAGS)", uid);
      if (!perform_on_uids (self, NULL, flags_command, NULL, flags, cancellable, error))
        return FALSE;
      lines = g_strsplit (flags->str, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        {
          guint32 line_uid;
          gboolean line_seen;

          if (hd_mailbox_imap_parse_fetch_flags (lines[i], &line_uid, &line_seen)
              && line_uid == g_ascii_strtoull (uid, NULL, 10))
            {
              found = TRUE;
              seen = line_seen;
            }
        }
    }
  if (!found)
    {
      g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_NOT_FOUND,
                   _("No message with UID %s in %s"), uid,
                   hd_mailbox_imap_folder_name (self));
      return FALSE;
    }

  fetched = perform_on_uids (self, uid, NULL, stream, NULL, cancellable, &fetch_error);

  if (!seen && priv->defer_seen_restore)
    g_hash_table_add (self->unseen_to_restore, g_strdup (uid));
  else if (!seen && !g_error_matches (fetch_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *restore = g_strdup_printf ("UID STORE %s -FLAGS.SILENT (\\Seen)", uid);
      g_autoptr(GError) restore_error = NULL;

      if (!perform_on_uids (self, NULL, restore, NULL, NULL, cancellable, &restore_error)
          && fetched)
        {
          g_propagate_error (error, g_steal_pointer (&restore_error));
          return FALSE;
        }
    }

  if (!fetched)
    {
      g_propagate_error (error, g_steal_pointer (&fetch_error));
      return FALSE;
    }
  return TRUE;
}

/* Whether a mail of the folder other than @set carries \Deleted: then a
 * plain EXPUNGE would remove another client's mail too. */
static gboolean
others_flagged_deleted (HdMailboxImap *self,
                        const char    *set,
                        gboolean      *out_others,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autofree char *search = g_strdup_printf ("UID SEARCH DELETED NOT UID %s", set);
  g_autoptr (GString) reply = g_string_new (NULL);
  g_auto (GStrv) lines = NULL;

  if (!uid_command (self, search, reply, cancellable, error))
    return FALSE;
  *out_others = FALSE;
  lines = g_strsplit (reply->str, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *rest;

      if (!g_str_has_prefix (lines[i], "* SEARCH"))
        continue;
      for (rest = lines[i] + strlen ("* SEARCH"); *rest != '\0'; rest++)
        {
          if (g_ascii_isdigit (*rest))
            *out_others = TRUE;
        }
    }
  return TRUE;
}

static gboolean
hd_mailbox_imap_delete (HdMailbox          *mailbox,
                        const char * const *uids,
                        GCancellable       *cancellable,
                        GError            **error)
{
  HdMailboxImap *self = HD_MAILBOX_IMAP (mailbox);
  g_autofree char *set = NULL;
  g_autofree char *store = NULL;
  g_autofree char *expunge = NULL;
  gboolean uidplus;

  for (guint i = 0; uids[i] != NULL; i++)
    {
      if (!hd_mailbox_is_digits (uids[i]))
        {
          g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_INVALID,
                       _("“%s” is not an IMAP UID"), uids[i]);
          return FALSE;
        }
    }
  set = g_strjoinv (",", (GStrv) uids);

  /* The capabilities after login decide between UID EXPUNGE and EXPUNGE;
   * ask for them rather than trust that the login reply carried them. This
   * is also where a silent reconnect shows a rebuilt folder, before any
   * command acts on a UID. */
  if (!uid_command (self, "CAPABILITY", NULL, cancellable, error))
    return FALSE;
  uidplus = self->capabilities != NULL
            && g_regex_match_simple ("(^| )UIDPLUS( |$)", self->capabilities,
                                     G_REGEX_CASELESS, 0);

  if (!uidplus)
    {
      gboolean others = FALSE;

      if (!others_flagged_deleted (self, set, &others, cancellable, error))
        return FALSE;
      if (others)
        {
          g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_SERVER_REFUSED,
                       _("Not deleted yet: other mail in %s is marked as deleted, and without "
                         "UIDPLUS an EXPUNGE would remove it too; the next poll tries again"),
                       hd_mailbox_imap_folder_name (self));
          return FALSE;
        }
    }

  /* Mail that goes needs no \Seen restored. */
  for (guint i = 0; uids[i] != NULL; i++)
    g_hash_table_remove (self->unseen_to_restore, uids[i]);

  store = g_strdup_printf ("UID STORE %s +FLAGS.SILENT (\\Deleted)", set);
  if (!uid_command (self, store, NULL, cancellable, error))
    return FALSE;
  expunge = uidplus ? g_strdup_printf ("UID EXPUNGE %s", set) : g_strdup ("EXPUNGE");
  return uid_command (self, expunge, NULL, cancellable, error);
}

static gboolean
hd_mailbox_imap_restore_seen (HdMailbox     *mailbox,
                              GCancellable  *cancellable,
                              GError       **error)
{
  HdMailboxImap *self = HD_MAILBOX_IMAP (mailbox);
  g_autoptr(GPtrArray) uids = NULL;
  g_autofree char *set = NULL;
  g_autofree char *command = NULL;

  if (g_hash_table_size (self->unseen_to_restore) == 0)
    return TRUE;

  uids = g_ptr_array_new_with_free_func (g_free);
  {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, self->unseen_to_restore);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      {
        g_ptr_array_add (uids, key);
        g_hash_table_iter_steal (&iter);
      }
  }
  g_ptr_array_add (uids, NULL);
  set = g_strjoinv (",", (GStrv) uids->pdata);
  command = g_strdup_printf ("UID STORE %s -FLAGS.SILENT (\\Seen)", set);
  return uid_command (self, command, NULL, cancellable, error);
}

/* IMAP deletes are final at EXPUNGE; finishing only restores \Seen where a
 * deferred fetch set it, then logs out. */
static gboolean
hd_mailbox_imap_finish (HdMailbox     *mailbox,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autoptr (GError) seen_error = NULL;

  if ((hd_mailbox_is_open (mailbox) || HD_MAILBOX_IMAP (mailbox)->raw_used)
      && !hd_mailbox_imap_restore_seen (mailbox, cancellable, &seen_error))
    g_debug ("Could not restore \\Seen: %s", seen_error->message);
  hd_mailbox_close (mailbox);
  return TRUE;
}

static void
hd_mailbox_imap_close (HdMailbox *mailbox)
{
  /* Mail that a deferred fetch marked seen gets its flag back before the
   * connection ends; a failure here leaves it seen, which loses nothing. */
  if (hd_mailbox_is_open (mailbox) || HD_MAILBOX_IMAP (mailbox)->raw_used)
    hd_mailbox_imap_restore_seen (mailbox, NULL, NULL);
  hd_mailbox_imap_raw_logout (HD_MAILBOX_IMAP (mailbox));
  HD_MAILBOX_CLASS (hd_mailbox_imap_parent_class)->close (mailbox);
}

static void
hd_mailbox_imap_finalize (GObject *object)
{
  HdMailboxImap *self = HD_MAILBOX_IMAP (object);

  g_clear_pointer (&self->capabilities, g_free);
  g_clear_pointer (&self->seen_at_list, g_array_unref);
  g_clear_pointer (&self->unseen_to_restore, g_hash_table_unref);

  G_OBJECT_CLASS (hd_mailbox_imap_parent_class)->finalize (object);
}

static void
hd_mailbox_imap_class_init (HdMailboxImapClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  HdMailboxClass *mailbox_class = HD_MAILBOX_CLASS (klass);

  object_class->finalize = hd_mailbox_imap_finalize;

  mailbox_class->url_scheme = "imap";
  mailbox_class->url_scheme_tls = "imaps";
  mailbox_class->curl_protocols = "imap,imaps";
  mailbox_class->probe_command = "NOOP";
  mailbox_class->probe_nobody = FALSE;
  mailbox_class->deletes_wait_for_finish = FALSE;
  mailbox_class->keys_may_be_reused = FALSE;

  mailbox_class->connection_reset = hd_mailbox_imap_connection_reset;
  mailbox_class->server_line = hd_mailbox_imap_server_line;
  mailbox_class->client_line = hd_mailbox_imap_client_line;
  mailbox_class->check = hd_mailbox_imap_check;
  mailbox_class->list = hd_mailbox_imap_list;
  mailbox_class->fetch = hd_mailbox_imap_fetch;
  mailbox_class->fetch_batch = hd_mailbox_imap_fetch_batch;
  mailbox_class->delete_mail = hd_mailbox_imap_delete;
  mailbox_class->restore_seen = hd_mailbox_imap_restore_seen;
  mailbox_class->finish = hd_mailbox_imap_finish;
  mailbox_class->close = hd_mailbox_imap_close;
}

static void
hd_mailbox_imap_init (HdMailboxImap *self)
{
  self->unseen_to_restore = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

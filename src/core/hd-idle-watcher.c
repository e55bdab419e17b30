/* hd-idle-watcher.c: one IMAP IDLE connection (RFC 2177) for one account.
 *
 * The watcher logs in as a poll does (the same credentials, TLS, pin and
 * SASL mechanism, through a raw HdCurlSession set up by the account's
 * mailbox), EXAMINEs the folder read-only, so that it never takes the
 * \Recent flag from the poll, and IDLEs. An untagged EXISTS that raises the
 * count, or a RECENT above zero, is new mail: it says so with
 * HdIdleWatcher::new-mail and leaves the poll to the poller. The IDLE is
 * renewed (DONE, then IDLE again) before the server may end it as idle.
 *
 * The run blocks on its own thread, not one of GLib's pool, since it lasts
 * as long as the account is watched and the pool's threads serve the polls.
 * It ends when cancelled (DONE and LOGOUT, briefly bounded), when the server
 * does not announce IDLE, or when the connection fails; the caller decides
 * whether and when to try again. The signals are emitted on the main
 * context of whoever called hd_idle_watcher_run_async().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-idle-watcher.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "hd-accounts.h"
#include "hd-mailbox-imap.h"
#include "hd-mailbox-private.h"

/* How long a goodbye (DONE, LOGOUT) may take when the watcher is stopped. */
#define GOODBYE_TIMEOUT_SECONDS 5

struct _HdIdleWatcher
{
  GObject parent_instance;

  char *db_path;           /* the thread opens its own store connection */
  HdAccount *account;      /* a copy: the thread reads it */
  guint renew_ms;
  GMainContext *context;   /* where the signals go */

  /* Owned by the thread that runs. */
  HdCurlSession *session;
  guint tag;
  guint exists;
  gboolean examined;       /* counts from here on are news */
};

enum {
  SIGNAL_WATCHING,
  SIGNAL_NEW_MAIL,
  SIGNAL_RENEWED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HdIdleWatcher, hd_idle_watcher, G_TYPE_OBJECT)

G_DEFINE_QUARK (hd-idle-watcher-error-quark, hd_idle_watcher_error)

typedef struct {
  HdIdleWatcher *watcher;
  guint signal_id;
  gboolean has_mail;
} Emission;

static gboolean
emit_cb (gpointer data)
{
  Emission *emission = data;

  if (emission->signal_id == SIGNAL_WATCHING)
    g_signal_emit (emission->watcher, signals[emission->signal_id], 0, emission->has_mail);
  else
    g_signal_emit (emission->watcher, signals[emission->signal_id], 0);
  g_object_unref (emission->watcher);
  g_free (emission);
  return G_SOURCE_REMOVE;
}

/* Emits a signal on the context of the caller, from the watcher's thread. */
static void
emit (HdIdleWatcher *self,
      guint          signal_id)
{
  Emission *emission = g_new0 (Emission, 1);

  emission->watcher = g_object_ref (self);
  emission->signal_id = signal_id;
  emission->has_mail = self->exists > 0;
  g_main_context_invoke (self->context, emit_cb, emission);
}

static char *
next_tag (HdIdleWatcher *self)
{
  return g_strdup_printf ("W%u", ++self->tag);
}

static gboolean
send_line (HdIdleWatcher  *self,
           const char     *line,
           GCancellable   *cancellable,
           GError        **error)
{
  return hd_curl_session_raw_send_line (self->session, line, cancellable, error);
}

static gboolean
fail_dropped (GError     **error,
              const char  *line)
{
  g_set_error (error, HD_IDLE_WATCHER_ERROR, HD_IDLE_WATCHER_ERROR_DROPPED,
               _("The server ended the IDLE: %s"), line);
  return FALSE;
}

/* An untagged response: counts the folder's mail and tells of new mail. */
static gboolean
note_untagged (HdIdleWatcher  *self,
               const char     *line,
               GError        **error)
{
  char *end = NULL;
  guint64 n;

  if (g_ascii_strncasecmp (line, "* BYE", 5) == 0)
    return fail_dropped (error, line);
  if (line[1] != ' ' || !g_ascii_isdigit (line[2]))
    return TRUE;
  n = g_ascii_strtoull (line + 2, &end, 10);
  if (end == NULL || *end != ' ')
    return TRUE;
  end++;
  if (g_ascii_strcasecmp (end, "EXISTS") == 0)
    {
      if (n > self->exists && self->examined)
        emit (self, SIGNAL_NEW_MAIL);
      self->exists = (guint) MIN (n, G_MAXUINT);
    }
  else if (g_ascii_strcasecmp (end, "RECENT") == 0 && n > 0 && self->examined)
    emit (self, SIGNAL_NEW_MAIL);
  else if (g_ascii_strcasecmp (end, "EXPUNGE") == 0 && self->exists > 0)
    self->exists--;
  return TRUE;
}

/* Reads up to the tagged reply to @tag; untagged lines on the way are
 * noted, and @out_untagged (if given) gathers them. */
static gboolean
read_reply (HdIdleWatcher  *self,
            const char     *tag,
            guint           timeout_seconds,
            GPtrArray      *out_untagged,
            GCancellable   *cancellable,
            GError        **error)
{
  gsize tag_len = strlen (tag);

  for (;;)
    {
      g_autofree char *line = hd_curl_session_raw_read_line (self->session, timeout_seconds,
                                                             cancellable, error);

      if (line == NULL)
        return FALSE;
      if (line[0] == '*' && line[1] == ' ')
        {
          if (!note_untagged (self, line, error))
            return FALSE;
          if (out_untagged != NULL)
            g_ptr_array_add (out_untagged, g_strdup (line));
          continue;
        }
      if (strncmp (line, tag, tag_len) == 0 && line[tag_len] == ' ')
        {
          if (g_ascii_strncasecmp (line + tag_len + 1, "OK", 2) == 0)
            return TRUE;
          g_set_error (error, HD_IDLE_WATCHER_ERROR, HD_IDLE_WATCHER_ERROR_DROPPED,
                       _("The server refused: %s"), line + tag_len + 1);
          return FALSE;
        }
    }
}

static gboolean
command (HdIdleWatcher  *self,
         const char     *text,
         GPtrArray      *out_untagged,
         GCancellable   *cancellable,
         GError        **error)
{
  g_autofree char *tag = next_tag (self);
  g_autofree char *line = g_strconcat (tag, " ", text, NULL);

  return send_line (self, line, cancellable, error)
         && read_reply (self, tag, 0, out_untagged, cancellable, error);
}

static gboolean
announces_idle (GPtrArray *untagged)
{
  for (guint i = 0; i < untagged->len; i++)
    {
      const char *line = untagged->pdata[i];
      g_auto (GStrv) words = NULL;

      if (g_ascii_strncasecmp (line, "* CAPABILITY ", 13) != 0)
        continue;
      words = g_strsplit (line + 13, " ", -1);
      for (guint j = 0; words[j] != NULL; j++)
        {
          if (g_ascii_strcasecmp (words[j], "IDLE") == 0)
            return TRUE;
        }
    }
  return FALSE;
}

/* Logs in as a poll would, on a raw connection of its own. */
static gboolean
connect_session (HdIdleWatcher  *self,
                 GCancellable   *cancellable,
                 GError        **error)
{
  g_autoptr (HdStore) store = hd_store_open (self->db_path, error);
  g_autoptr (HdAccounts) accounts = NULL;
  g_autoptr (HdCredentials) credentials = NULL;
  g_autoptr (HdMailbox) mailbox = NULL;
  HdMailboxPrivate *priv;

  /* SQLite connections are per thread, as a poll job's. */
  if (store == NULL)
    return FALSE;
  accounts = hd_accounts_new (store);
  credentials = hd_accounts_get_credentials_full_sync (accounts, self->account,
                                                       HD_CREDENTIALS_UNATTENDED, FALSE,
                                                       cancellable, error);
  if (credentials == NULL)
    return FALSE;
  /* The mailbox sets its session up exactly as a poll's: the watcher takes
   * a sibling of it, which shares nothing else. */
  mailbox = hd_mailbox_new (self->account, (HdMailboxAuth) credentials->kind,
                            credentials->secret);
  priv = hd_mailbox_get_private (mailbox);
  g_assert (priv->session != NULL);
  self->session = hd_curl_session_new_sibling (priv->session);
  return hd_curl_session_open_raw (self->session, cancellable, error);
}

/* Stopped while idling: DONE and LOGOUT, so that the server logs a clean
 * end; bounded, and without the cancellable, which has fired already. */
static void
say_goodbye (HdIdleWatcher *self,
             const char    *idle_tag)
{
  g_autofree char *tag = next_tag (self);
  g_autofree char *logout = g_strconcat (tag, " LOGOUT", NULL);

  if (idle_tag != NULL
      && (!send_line (self, "DONE", NULL, NULL)
          || !read_reply (self, idle_tag, GOODBYE_TIMEOUT_SECONDS, NULL, NULL, NULL)))
    return;
  if (send_line (self, logout, NULL, NULL))
    read_reply (self, tag, GOODBYE_TIMEOUT_SECONDS, NULL, NULL, NULL);
}

/* One IDLE: waits for news until the renewal is due, then says DONE. */
static gboolean
idle_once (HdIdleWatcher  *self,
           gboolean        first,
           GCancellable   *cancellable,
           GError        **error)
{
  g_autofree char *tag = next_tag (self);
  g_autofree char *line = g_strconcat (tag, " IDLE", NULL);
  gint64 renew_at;

  if (!send_line (self, line, cancellable, error))
    return FALSE;
  /* Untagged news may come before the continuation. */
  for (;;)
    {
      g_autofree char *reply = hd_curl_session_raw_read_line (self->session, 0, cancellable,
                                                              error);

      if (reply == NULL)
        return FALSE;
      if (reply[0] == '+')
        break;
      if (reply[0] == '*')
        {
          if (!note_untagged (self, reply, error))
            return FALSE;
          continue;
        }
      g_set_error (error, HD_IDLE_WATCHER_ERROR, HD_IDLE_WATCHER_ERROR_DROPPED,
                   _("The server refused IDLE: %s"), reply);
      return FALSE;
    }
  emit (self, first ? SIGNAL_WATCHING : SIGNAL_RENEWED);

  renew_at = g_get_monotonic_time () + (gint64) self->renew_ms * 1000;
  for (;;)
    {
      gint64 left = renew_at - g_get_monotonic_time ();
      g_autoptr (GError) wait_error = NULL;
      g_autofree char *news = NULL;

      if (left <= 0)
        break;
      if (!hd_curl_session_raw_wait (self->session, (guint) ((left + 999) / 1000), cancellable,
                                     &wait_error))
        {
          if (wait_error == NULL)
            break;
          if (g_error_matches (wait_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            say_goodbye (self, tag);
          g_propagate_error (error, g_steal_pointer (&wait_error));
          return FALSE;
        }
      news = hd_curl_session_raw_read_line (self->session, 0, cancellable, error);
      if (news == NULL)
        return FALSE;
      if (news[0] != '*')
        return fail_dropped (error, news);
      if (!note_untagged (self, news, error))
        return FALSE;
    }

  /* Renewal: what comes before the tagged OK is noted as ever. */
  return send_line (self, "DONE", cancellable, error)
         && read_reply (self, tag, 0, NULL, cancellable, error);
}

static void
hd_idle_watcher_finalize (GObject *object)
{
  HdIdleWatcher *self = HD_IDLE_WATCHER (object);

  g_clear_object (&self->session);
  g_free (self->db_path);
  g_clear_object (&self->account);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (hd_idle_watcher_parent_class)->finalize (object);
}

static void
hd_idle_watcher_class_init (HdIdleWatcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hd_idle_watcher_finalize;

  /**
   * HdIdleWatcher::watching:
   * @has_mail: the folder held mail when it was examined
   *
   * The first IDLE of a connection is established: new mail is seen from
   * here on. Mail already there when the folder was examined raises no
   * HdIdleWatcher::new-mail; @has_mail says whether there was any.
   */
  signals[SIGNAL_WATCHING] =
    g_signal_new ("watching", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  /**
   * HdIdleWatcher::new-mail:
   *
   * The folder has more mail than before. Bursts emit it several times.
   */
  signals[SIGNAL_NEW_MAIL] =
    g_signal_new ("new-mail", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
  /**
   * HdIdleWatcher::renewed:
   *
   * An IDLE ended with DONE and the next one is established.
   */
  signals[SIGNAL_RENEWED] =
    g_signal_new ("renewed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
hd_idle_watcher_init (HdIdleWatcher *self)
{
  self->renew_ms = HD_IDLE_WATCHER_DEFAULT_RENEW_MS;
  self->context = g_main_context_ref_thread_default ();
}

/**
 * hd_idle_watcher_new:
 * @store: the database, for the account's credentials (the watcher's
 *   thread opens its own connection to its file)
 * @account: the account to watch (copied)
 *
 * Returns: (transfer full): a watcher that does nothing until run
 */
HdIdleWatcher *
hd_idle_watcher_new (HdStore   *store,
                     HdAccount *account)
{
  HdIdleWatcher *self;

  g_return_val_if_fail (HD_IS_STORE (store), NULL);
  g_return_val_if_fail (HD_IS_ACCOUNT (account), NULL);

  self = g_object_new (HD_TYPE_IDLE_WATCHER, NULL);
  self->db_path = g_strdup (hd_store_get_path (store));
  self->account = hd_account_copy (account);
  return self;
}

/**
 * hd_idle_watcher_set_renew_ms:
 *
 * How long one IDLE lasts before DONE and a new IDLE (default 29 minutes).
 */
void
hd_idle_watcher_set_renew_ms (HdIdleWatcher *self,
                              guint          renew_ms)
{
  g_return_if_fail (HD_IS_IDLE_WATCHER (self));
  self->renew_ms = MAX (renew_ms, 1);
}

/**
 * hd_idle_watcher_run_sync:
 * @cancellable: (nullable): stops the watcher
 * @error: return location for a #GError
 *
 * Connects, EXAMINEs the folder and IDLEs, renewing, until cancelled or the
 * connection fails. Blocks; the signals go to the main context that was
 * thread-default when the watcher was made, or the one of
 * hd_idle_watcher_run_async().
 *
 * Returns: %FALSE always, with @error: %G_IO_ERROR_CANCELLED when stopped,
 *   %HD_IDLE_WATCHER_ERROR_UNSUPPORTED when the server has no IDLE, or why
 *   the connection failed
 */
gboolean
hd_idle_watcher_run_sync (HdIdleWatcher  *self,
                          GCancellable   *cancellable,
                          GError        **error)
{
  g_autoptr (GPtrArray) untagged = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *folder = NULL;
  g_autofree char *examine = NULL;
  gboolean ok;

  g_return_val_if_fail (HD_IS_IDLE_WATCHER (self), FALSE);

  self->tag = 0;
  self->exists = 0;
  self->examined = FALSE;
  ok = connect_session (self, cancellable, error)
       && command (self, "CAPABILITY", untagged, cancellable, error);
  if (ok && !announces_idle (untagged))
    {
      say_goodbye (self, NULL);
      g_set_error (error, HD_IDLE_WATCHER_ERROR, HD_IDLE_WATCHER_ERROR_UNSUPPORTED,
                   _("%s does not offer IMAP IDLE"), hd_account_get_host (self->account));
      ok = FALSE;
    }
  if (ok)
    {
      folder = hd_mailbox_imap_quote_folder (hd_account_get_folder (self->account));
      examine = g_strconcat ("EXAMINE ", folder, NULL);
      ok = command (self, examine, NULL, cancellable, error);
      self->examined = TRUE;
    }
  for (gboolean first = TRUE; ok; first = FALSE)
    ok = idle_once (self, first, cancellable, error);

  if (self->session != NULL)
    hd_curl_session_abort (self->session);
  g_clear_object (&self->session);
  return FALSE;
}

static gpointer
run_thread (gpointer data)
{
  GTask *task = data;
  HdIdleWatcher *self = g_task_get_source_object (task);
  GError *error = NULL;

  hd_idle_watcher_run_sync (self, g_task_get_cancellable (task), &error);
  if (error == NULL)
    g_set_error_literal (&error, HD_IDLE_WATCHER_ERROR, HD_IDLE_WATCHER_ERROR_DROPPED,
                         _("The IDLE connection ended"));
  g_task_return_error (task, error);
  g_object_unref (task);
  return NULL;
}

/**
 * hd_idle_watcher_run_async:
 *
 * hd_idle_watcher_run_sync() on a thread of its own; the signals and
 * @callback come on the caller's thread-default main context.
 */
void
hd_idle_watcher_run_async (HdIdleWatcher       *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;
  g_autoptr (GThread) thread = NULL;

  g_return_if_fail (HD_IS_IDLE_WATCHER (self));

  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_ref_thread_default ();
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hd_idle_watcher_run_async);
  thread = g_thread_new ("hd-idle-watcher", run_thread, task);
}

/**
 * hd_idle_watcher_run_finish:
 *
 * Returns: %FALSE, with the error that ended the run (see run_sync)
 */
gboolean
hd_idle_watcher_run_finish (HdIdleWatcher  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hd_idle_watcher_run_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* hd-smtp-sender.c: sending one mail over the SMTP server of the settings,
 * on an HdCurlSession (TLS, CA bundle, cancellation and the redacted
 * transcript as for the mailboxes): for auto-answers and for mail written
 * from a ticket.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-smtp-sender.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "hd-curl-session.h"
#include "hd-secrets.h"

G_DEFINE_QUARK (hd-smtp-sender-error-quark, hd_smtp_sender_error)

/* The server's reply to our latest command, as it said it, line by line,
 * followed through the session's line hook. Client lines are never kept:
 * AUTH carries the password. */
typedef struct
{
  HdCurlSession *session;
  GString *reply;
  gboolean reply_done;
  gboolean quitting;
} SmtpDialogue;

static void
clear_secret (char **secret)
{
  if (*secret != NULL)
    {
      explicit_bzero (*secret, strlen (*secret));
      g_clear_pointer (secret, g_free);
    }
}

static void
smtp_line_cb (gpointer        user_data,
              HdRedactSource  source,
              const char     *line)
{
  SmtpDialogue *dialogue = user_data;
  gsize length = strlen (line);

  /* What the server says to QUIT after a failure would hide the reply that
   * explains the failure. */
  if (source == HD_REDACT_CLIENT && g_ascii_strncasecmp (line, "QUIT", 4) == 0)
    dialogue->quitting = TRUE;
  if (source != HD_REDACT_SERVER || dialogue->quitting || length == 0)
    return;

  if (dialogue->reply_done)
    {
      g_string_truncate (dialogue->reply, 0);
      dialogue->reply_done = FALSE;
    }
  if (dialogue->reply->len > 0)
    g_string_append_c (dialogue->reply, '\n');
  g_string_append_len (dialogue->reply, line, length);
  /* "250-…" continues a reply, "250 …" ends it. */
  dialogue->reply_done = length <= 3 || line[3] != '-';
  hd_curl_session_set_failure_reply (dialogue->session,
                                     dialogue->reply->str[0] == '4'
                                     || dialogue->reply->str[0] == '5'
                                     ? dialogue->reply->str : NULL);
}

static guint
default_port (const char *security)
{
  if (g_strcmp0 (security, "tls") == 0)
    return 465;
  if (g_strcmp0 (security, "none") == 0)
    return 25;
  return 587;
}

/**
 * hd_smtp_sender_send_sync:
 * @sender: the envelope sender, our address
 * @recipients: the envelope recipients (To, Cc and Bcc together)
 * @mail: the message as an RFC 5322 text with CRLF line ends
 *
 * Sends @mail over the SMTP server of the settings (smtp.host, .port,
 * .security, .username and the password in the keyring). Blocks; call it
 * from a worker thread or the command line.
 *
 * Returns: %TRUE once the server accepted the mail; otherwise %FALSE with
 *   %HD_SMTP_SENDER_ERROR_SMTP carrying the server's reply word for word
 */
gboolean
hd_smtp_sender_send_sync (HdStore            *store,
                          const char         *sender,
                          const char *const  *recipients_list,
                          GBytes             *mail,
                          GCancellable       *cancellable,
                          GError            **error)
{
  g_autofree char *host = hd_store_dup_setting (store, "smtp.host");
  g_autofree char *port_text = hd_store_dup_setting (store, "smtp.port");
  g_autofree char *security = hd_store_dup_setting (store, "smtp.security");
  g_autofree char *username = hd_store_dup_setting (store, "smtp.username");
  g_autofree char *password = NULL;
  g_autofree char *mail_from = NULL;
  g_autoptr (HdCurlSession) session = NULL;
  g_autoptr (GError) local_error = NULL;
  struct curl_slist *recipients = NULL;
  SmtpDialogue dialogue = { 0 };
  guint64 port = 0;
  CURL *curl;
  gboolean sent;

  g_return_val_if_fail (HD_IS_STORE (store), FALSE);
  g_return_val_if_fail (sender != NULL && recipients_list != NULL && mail != NULL, FALSE);

  if (host == NULL || *host == '\0')
    {
      g_set_error (error, HD_SMTP_SENDER_ERROR, HD_SMTP_SENDER_ERROR_NOT_CONFIGURED,
                   _("No SMTP server is set (the setting smtp.host)"));
      return FALSE;
    }
  if (port_text == NULL
      || !g_ascii_string_to_unsigned (port_text, 10, 1, 65535, &port, NULL))
    port = default_port (security);

  if (username != NULL && *username != '\0')
    {
      password = hd_secrets_lookup_sync (HD_SECRET_SMTP_PASSWORD, hd_store_get_id (store), "smtp",
                                         cancellable, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (password == NULL)
        {
          g_set_error (error, HD_SMTP_SENDER_ERROR, HD_SMTP_SENDER_ERROR_NOT_CONFIGURED,
                       _("smtp.username is set, but the keyring holds no SMTP password"));
          return FALSE;
        }
    }

  session = hd_curl_session_new (g_strcmp0 (security, "tls") == 0 ? "smtps" : "smtp", host,
                                 (guint) port, "smtp,smtps");
  /* STARTTLS is all or nothing: a server that does not offer it fails the
   * session instead of receiving the password in the clear. */
  hd_curl_session_set_tls (session, g_strcmp0 (security, "none") != 0, NULL);
  /* PLAIN and LOGIN are what every submission server takes; libcurl would
   * otherwise prefer CRAM-MD5 or DIGEST-MD5 when offered, which fail
   * against servers that keep only password hashes. */
  if (password != NULL)
    hd_curl_session_set_login (session, username, password, NULL, NULL, "AUTH=PLAIN;AUTH=LOGIN");
  clear_secret (&password);
  hd_curl_session_set_upload (session, mail);
  dialogue.session = session;
  dialogue.reply = g_string_new (NULL);
  hd_curl_session_set_hooks (session, NULL, smtp_line_cb, &dialogue);

  curl = hd_curl_session_ensure_handle (session, &local_error);
  if (curl != NULL)
    {
      /* The envelope sender is our address, not the null sender that RFC
       * 3834 allows: submission servers refuse "MAIL FROM:<>" from a
       * logged-in user, and Auto-Submitted already stops other responders. */
      mail_from = g_strdup_printf ("<%s>", sender);
      for (guint i = 0; recipients_list[i] != NULL; i++)
        {
          g_autofree char *rcpt = g_strdup_printf ("<%s>", recipients_list[i]);

          recipients = curl_slist_append (recipients, rcpt);
        }
      curl_easy_setopt (curl, CURLOPT_MAIL_FROM, mail_from);
      curl_easy_setopt (curl, CURLOPT_MAIL_RCPT, recipients);
    }
  sent = curl != NULL
         && hd_curl_session_perform (session, "", NULL, FALSE, NULL, NULL, cancellable,
                                     &local_error);
  /* Sends QUIT, with the line hook still pointing at the dialogue. */
  hd_curl_session_close (session);
  curl_slist_free_all (recipients);
  g_string_free (dialogue.reply, TRUE);

  if (!sent)
    {
      /* The message is the server's reply verbatim where it gave one. */
      if (local_error->domain == HD_CURL_ERROR)
        g_set_error_literal (error, HD_SMTP_SENDER_ERROR, HD_SMTP_SENDER_ERROR_SMTP,
                             local_error->message);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

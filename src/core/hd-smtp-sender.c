/* hd-smtp-sender.c: sending one mail over the SMTP server of the settings,
 * with libcurl: for auto-answers and for mail written from a ticket.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-smtp-sender.h"

#include <curl/curl.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "hd-secrets.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CURL, curl_easy_cleanup)

G_DEFINE_QUARK (hd-smtp-sender-error-quark, hd_smtp_sender_error)

#define CONNECT_TIMEOUT_SECONDS 30
#define LOW_SPEED_SECONDS       60

static void
ensure_curl (void)
{
  static gsize initialized = 0;

  /* curl_global_init() counts its calls, so sharing it with HdMailbox is
   * harmless. */
  if (g_once_init_enter (&initialized))
    {
      curl_global_init (CURL_GLOBAL_DEFAULT);
      g_once_init_leave (&initialized, 1);
    }
}

static void
clear_secret (char **secret)
{
  if (*secret != NULL)
    {
      explicit_bzero (*secret, strlen (*secret));
      g_clear_pointer (secret, g_free);
    }
}

typedef struct
{
  GBytes *mail;
  gsize offset;
  GCancellable *cancellable;
  /* The server's reply to our latest command, as it said it, line by line.
   * Client lines are never kept: AUTH carries the password. */
  GString *reply;
  gboolean reply_done;
  gboolean quitting;
} Session;

static size_t
read_cb (char   *buffer,
         size_t  size,
         size_t  n_items,
         void   *user_data)
{
  Session *session = user_data;
  gsize length;
  const guint8 *data = g_bytes_get_data (session->mail, &length);
  gsize n = MIN (size * n_items, length - session->offset);

  memcpy (buffer, data + session->offset, n);
  session->offset += n;
  return n;
}

static int
xferinfo_cb (void       *user_data,
             curl_off_t  dltotal,
             curl_off_t  dlnow,
             curl_off_t  ultotal,
             curl_off_t  ulnow)
{
  Session *session = user_data;

  return g_cancellable_is_cancelled (session->cancellable) ? 1 : 0;
}

static void
add_reply_line (Session    *session,
                const char *line,
                gsize       length)
{
  while (length > 0 && (line[length - 1] == '\r' || line[length - 1] == '\n'))
    length--;
  if (length == 0)
    return;
  if (session->reply_done)
    {
      g_string_truncate (session->reply, 0);
      session->reply_done = FALSE;
    }
  if (session->reply->len > 0)
    g_string_append_c (session->reply, '\n');
  g_string_append_len (session->reply, line, length);
  /* "250-…" continues a reply, "250 …" ends it. */
  session->reply_done = length <= 3 || line[3] != '-';
}

static int
debug_cb (CURL          *handle,
          curl_infotype  type,
          char          *data,
          size_t         size,
          void          *user_data)
{
  Session *session = user_data;

  if (type == CURLINFO_HEADER_OUT)
    {
      /* What the server says to QUIT after a failure would hide the reply
       * that explains the failure. */
      if (size >= 4 && g_ascii_strncasecmp (data, "QUIT", 4) == 0)
        session->quitting = TRUE;
    }
  else if (type == CURLINFO_HEADER_IN && !session->quitting)
    {
      const char *p = data;
      const char *end = data + size;

      while (p < end)
        {
          const char *nl = memchr (p, '\n', end - p);
          const char *line_end = nl ? nl + 1 : end;

          add_reply_line (session, p, line_end - p);
          p = line_end;
        }
    }
  return 0;
}

/* HELPDESK_MAIL_CA_FILE adds a CA to the system's; CURLOPT_CAINFO alone would
 * replace them, so curl gets both bundles as one blob. */
static void
add_extra_ca (CURL *curl)
{
  const char *ca_file = g_getenv ("HELPDESK_MAIL_CA_FILE");
  const char *system_bundle = NULL;
  g_autoptr (GByteArray) bundle = NULL;
  g_autofree char *pem = NULL;
  gsize length = 0;
  struct curl_blob blob;

  if (ca_file == NULL || *ca_file == '\0')
    return;
  bundle = g_byte_array_new ();
  curl_easy_getinfo (curl, CURLINFO_CAINFO, &system_bundle);
  if (system_bundle != NULL && g_file_get_contents (system_bundle, &pem, &length, NULL))
    {
      g_byte_array_append (bundle, (const guint8 *) pem, length);
      g_byte_array_append (bundle, (const guint8 *) "\n", 1);
      g_clear_pointer (&pem, g_free);
    }
  if (g_file_get_contents (ca_file, &pem, &length, NULL))
    g_byte_array_append (bundle, (const guint8 *) pem, length);
  else
    g_warning ("HELPDESK_MAIL_CA_FILE “%s” cannot be read", ca_file);

  blob.data = bundle->data;
  blob.len = bundle->len;
  blob.flags = CURL_BLOB_COPY;
  curl_easy_setopt (curl, CURLOPT_CAINFO_BLOB, &blob);
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
  g_autofree char *url = NULL;
  g_autofree char *mail_from = NULL;
  g_autoptr (CURL) curl = NULL;
  struct curl_slist *recipients = NULL;
  char errbuf[CURL_ERROR_SIZE] = "";
  Session session = { 0 };
  guint64 port = 0;
  CURLcode res;

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
      g_autoptr (GError) local_error = NULL;

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

  ensure_curl ();
  curl = curl_easy_init ();
  if (curl == NULL)
    {
      clear_secret (&password);
      g_set_error (error, HD_SMTP_SENDER_ERROR, HD_SMTP_SENDER_ERROR_SMTP,
                   _("libcurl could not start a session"));
      return FALSE;
    }

  url = g_strdup_printf ("%s://%s%s%s:%u", g_strcmp0 (security, "tls") == 0 ? "smtps" : "smtp",
                         strchr (host, ':') ? "[" : "", host, strchr (host, ':') ? "]" : "",
                         (guint) port);
  mail_from = g_strdup_printf ("<%s>", sender);
  for (guint i = 0; recipients_list[i] != NULL; i++)
    {
      g_autofree char *rcpt = g_strdup_printf ("<%s>", recipients_list[i]);

      recipients = curl_slist_append (recipients, rcpt);
    }

  session.mail = mail;
  session.cancellable = cancellable;
  session.reply = g_string_new (NULL);

  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  /* STARTTLS is all or nothing: a server that does not offer it fails the
   * session instead of receiving the password in the clear. */
  curl_easy_setopt (curl, CURLOPT_USE_SSL,
                    g_strcmp0 (security, "none") == 0 ? (long) CURLUSESSL_NONE
                                                      : (long) CURLUSESSL_ALL);
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYHOST, 2L);
  add_extra_ca (curl);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT, (long) CONNECT_TIMEOUT_SECONDS);
  curl_easy_setopt (curl, CURLOPT_SERVER_RESPONSE_TIMEOUT, (long) LOW_SPEED_SECONDS);
  curl_easy_setopt (curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt (curl, CURLOPT_LOW_SPEED_TIME, (long) LOW_SPEED_SECONDS);
  curl_easy_setopt (curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt (curl, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
  curl_easy_setopt (curl, CURLOPT_XFERINFODATA, &session);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, errbuf);
  /* The debug callback is the only place where libcurl shows the server's
   * own words; its error buffer only says which step failed. */
  curl_easy_setopt (curl, CURLOPT_VERBOSE, 1L);
  curl_easy_setopt (curl, CURLOPT_DEBUGFUNCTION, debug_cb);
  curl_easy_setopt (curl, CURLOPT_DEBUGDATA, &session);

  if (password != NULL)
    {
      curl_easy_setopt (curl, CURLOPT_USERNAME, username);
      curl_easy_setopt (curl, CURLOPT_PASSWORD, password);
      /* PLAIN and LOGIN are what every submission server takes; libcurl
       * would otherwise prefer CRAM-MD5 or DIGEST-MD5 when offered, which
       * fail against servers that keep only password hashes. */
      curl_easy_setopt (curl, CURLOPT_LOGIN_OPTIONS, "AUTH=PLAIN;AUTH=LOGIN");
    }

  /* The envelope sender is our address, not the null sender that RFC 3834
   * allows: submission servers refuse "MAIL FROM:<>" from a logged-in user,
   * and Auto-Submitted already stops other responders. */
  curl_easy_setopt (curl, CURLOPT_MAIL_FROM, mail_from);
  curl_easy_setopt (curl, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt (curl, CURLOPT_READFUNCTION, read_cb);
  curl_easy_setopt (curl, CURLOPT_READDATA, &session);
  curl_easy_setopt (curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt (curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t) g_bytes_get_size (mail));

  res = curl_easy_perform (curl);
  /* Sends QUIT, with the debug callback still pointing at the session. */
  g_clear_pointer (&curl, curl_easy_cleanup);
  curl_slist_free_all (recipients);
  clear_secret (&password);

  if (res != CURLE_OK)
    {
      if (res == CURLE_ABORTED_BY_CALLBACK && g_cancellable_is_cancelled (cancellable))
        g_cancellable_set_error_if_cancelled (cancellable, error);
      else if (session.reply->len > 0 && (session.reply->str[0] == '4'
                                          || session.reply->str[0] == '5'))
        g_set_error_literal (error, HD_SMTP_SENDER_ERROR, HD_SMTP_SENDER_ERROR_SMTP,
                             session.reply->str);
      else
        g_set_error (error, HD_SMTP_SENDER_ERROR, HD_SMTP_SENDER_ERROR_SMTP, "%s: %s",
                     url, *errbuf ? errbuf : curl_easy_strerror (res));
      g_string_free (session.reply, TRUE);
      return FALSE;
    }
  g_string_free (session.reply, TRUE);
  return TRUE;
}


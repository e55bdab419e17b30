/* hd-mailbox-session.c: HdMailbox on its libcurl session: the login, what
 * the dialogue tells (greeting, mechanisms, the server's failure reply), one
 * transfer with the NTLM fallback, and the session's errors in the
 * mailbox's terms.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-mailbox-private.h"

#include <glib/gi18n-lib.h>
#include <string.h>

/* g_set_str() is GLib 2.76; Debian 12 has 2.74. */
static void
replace_str (char       **str_pointer,
             const char  *new_str)
{
  char *copy = g_strdup (new_str);

  g_free (*str_pointer);
  *str_pointer = copy;
}

gboolean
hd_mailbox_is_digits (const char *str)
{
  if (str == NULL || *str == '\0')
    return FALSE;
  for (; *str != '\0'; str++)
    {
      if (!g_ascii_isdigit (*str))
        return FALSE;
    }
  return TRUE;
}

/* Which connection the session is on; see hd_curl_session_get_generation(). */
guint
hd_mailbox_get_generation (HdMailbox *self)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (self);

  return priv->session != NULL ? hd_curl_session_get_generation (priv->session) : 0;
}

gboolean
hd_mailbox_is_open (HdMailbox *self)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (self);

  return priv->session != NULL && hd_curl_session_is_open (priv->session);
}

void
hd_mailbox_set_failure_reply (HdMailbox  *self,
                              const char *reply)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (self);

  if (priv->session != NULL)
    hd_curl_session_set_failure_reply (priv->session, reply);
}

const char *
hd_mailbox_get_failure_reply (HdMailbox *self)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (self);

  return priv->session != NULL ? hd_curl_session_get_failure_reply (priv->session) : NULL;
}

/* A SASL continuation during the login.  OAuth mechanisms carry the
 * server's refusal in it, as base64 JSON; libcurl 7.88 hangs up on it for
 * XOAUTH2 instead of answering, so it may be the server's last word. */
void
hd_mailbox_note_sasl_challenge (HdMailbox  *self,
                                const char *line)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (self);
  g_autofree guchar *decoded = NULL;
  gsize len = 0;

  if (!priv->authenticating || line[0] != '+' || line[1] != ' ' || line[2] == '\0')
    return;
  decoded = g_base64_decode (line + 2, &len);
  if (decoded == NULL || len == 0 || decoded[0] != '{'
      || !g_utf8_validate ((const char *) decoded, len, NULL))
    return;
  g_free (priv->sasl_error);
  priv->sasl_error = g_strndup ((const char *) decoded, len);
}

/* A status reply of either protocol: the refusal is the server's word for
 * the failure, and the reply that follows a login says how it went. */
void
hd_mailbox_note_status (HdMailbox  *self,
                        const char *status,
                        gboolean    ok)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (self);

  replace_str (&priv->last_status, status);
  if (!ok)
    hd_mailbox_set_failure_reply (self, status);
  if (priv->authenticating)
    {
      priv->authenticating = FALSE;
      priv->authenticated = ok;
    }
}

static void
reset_connection_state (HdMailbox *self)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (self);

  g_clear_pointer (&priv->greeting, g_free);
  g_clear_pointer (&priv->mechanisms, g_free);
  priv->login_disabled = FALSE;
  priv->authenticating = FALSE;
  priv->authenticated = FALSE;
  if (HD_MAILBOX_GET_CLASS (self)->connection_reset != NULL)
    HD_MAILBOX_GET_CLASS (self)->connection_reset (self);
}

static void
session_connected_cb (gpointer user_data)
{
  reset_connection_state (HD_MAILBOX (user_data));
}

static void
session_line_cb (gpointer        user_data,
                 HdRedactSource  source,
                 const char     *line)
{
  HdMailbox *self = HD_MAILBOX (user_data);
  HdMailboxPrivate *priv = hd_mailbox_get_private (self);
  HdMailboxClass *klass = HD_MAILBOX_GET_CLASS (self);

  if (source == HD_REDACT_SERVER)
    {
      if (priv->greeting == NULL)
        priv->greeting = g_strdup (line);
      if (klass->server_line != NULL)
        klass->server_line (self, line);
    }
  else if (source == HD_REDACT_CLIENT && klass->client_line != NULL)
    klass->client_line (self, line);
}

/* The explicit SASL mechanism list for CURLOPT_LOGIN_OPTIONS.  Without one,
 * libcurl prefers DIGEST-MD5, CRAM-MD5 and NTLM over PLAIN and never tries
 * another mechanism after a NO.  With one, libcurl 7.88 uses SASL only: the
 * IMAP LOGIN command (which it would send a non-ASCII password with unquoted)
 * and POP3 USER/PASS are never sent. */
static char *
compute_login_options (HdMailbox *self)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (self);

  switch (priv->auth)
    {
    case HD_MAILBOX_AUTH_XOAUTH2:
      return g_strdup ("AUTH=XOAUTH2");
    case HD_MAILBOX_AUTH_OAUTHBEARER:
      return g_strdup ("AUTH=OAUTHBEARER");
    case HD_MAILBOX_AUTH_PASSWORD:
    default:
      break;
    }

  /* PLAIN alone carries an authorization identity, and it is the one
   * mechanism that "Prevent text-only login" leaves. */
  if (priv->authzid != NULL || hd_account_get_prevent_text_only_login (priv->account))
    return g_strdup ("AUTH=PLAIN");

  /* The SASL LOGIN mechanism base64-encodes the password as it is, so it
   * carries UTF-8 too; PLAIN still goes first, and libcurl picks it when the
   * server offers both.  NTLM, when the account allows it, is tried only
   * when neither is offered (see hd_mailbox_perform()). */
  return g_strdup ("AUTH=PLAIN;AUTH=LOGIN");
}

static char *
describe_allowed (const char *login_options)
{
  g_auto (GStrv) parts = g_strsplit (login_options, ";", -1);
  g_autoptr (GString) out = g_string_new (NULL);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, g_str_has_prefix (parts[i], "AUTH=") ? parts[i] + 5 : parts[i]);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The session's error in the mailbox's terms; a refused login is told in
 * the server's words, or else as the mechanisms that did not meet. Takes
 * @curl_error. */
void
hd_mailbox_propagate_session_error (HdMailbox  *self,
                   GError     *curl_error,
                   GError    **error)
{
  static const HdMailboxError codes[] = {
    [HD_CURL_ERROR_FAILED] = HD_MAILBOX_ERROR_FAILED,
    [HD_CURL_ERROR_HOST_NOT_FOUND] = HD_MAILBOX_ERROR_HOST_NOT_FOUND,
    [HD_CURL_ERROR_CONNECTION_REFUSED] = HD_MAILBOX_ERROR_CONNECTION_REFUSED,
    [HD_CURL_ERROR_CONNECTION_CLOSED] = HD_MAILBOX_ERROR_CONNECTION_CLOSED,
    [HD_CURL_ERROR_TIMED_OUT] = HD_MAILBOX_ERROR_TIMED_OUT,
    [HD_CURL_ERROR_TLS_NOT_TRUSTED] = HD_MAILBOX_ERROR_TLS_NOT_TRUSTED,
    [HD_CURL_ERROR_TLS_UNAVAILABLE] = HD_MAILBOX_ERROR_TLS_UNAVAILABLE,
    [HD_CURL_ERROR_LOGIN_DENIED] = HD_MAILBOX_ERROR_AUTHENTICATION_FAILED,
    [HD_CURL_ERROR_SERVER_REFUSED] = HD_MAILBOX_ERROR_SERVER_REFUSED,
    [HD_CURL_ERROR_UNAVAILABLE] = HD_MAILBOX_ERROR_FAILED,
  };
  HdMailboxPrivate *priv = hd_mailbox_get_private (self);

  if (curl_error->domain != HD_CURL_ERROR)
    {
      g_propagate_error (error, curl_error);
      return;
    }

  if (curl_error->code == HD_CURL_ERROR_LOGIN_DENIED && hd_mailbox_get_failure_reply (self) == NULL)
    {
      g_autofree char *allowed = describe_allowed (priv->login_options);
      const char *offered = priv->mechanisms != NULL && *priv->mechanisms != '\0'
                            ? priv->mechanisms : _("none");

      if (priv->sasl_error != NULL)
        g_set_error_literal (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_AUTHENTICATION_FAILED,
                             priv->sasl_error);
      else if (priv->login_disabled)
        g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_NO_COMMON_MECHANISM,
                     _("No common login mechanism: the server offers %s and refuses "
                       "plain-text login on this connection; the account allows %s"),
                     offered, allowed);
      else
        g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_NO_COMMON_MECHANISM,
                     _("No common login mechanism: the server offers %s; the account "
                       "allows %s"), offered, allowed);
      g_error_free (curl_error);
      return;
    }

  g_set_error_literal (error, HD_MAILBOX_ERROR,
                       (guint) curl_error->code < G_N_ELEMENTS (codes)
                       ? codes[curl_error->code] : HD_MAILBOX_ERROR_FAILED,
                       curl_error->message);
  g_error_free (curl_error);
}

/* One transfer on the session's connection (libcurl reuses it; it logs in
 * only when it has to open a new one). */
gboolean
hd_mailbox_perform (HdMailbox     *self,
                    const char    *path,
                    const char    *custom,
                    gboolean       nobody,
                    GOutputStream *sink,
                    GString       *body,
                    GCancellable  *cancellable,
                    GError       **error)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (self);
  GError *local_error = NULL;

  g_assert (priv->session != NULL);

  g_clear_pointer (&priv->sasl_error, g_free);
  if (hd_curl_session_perform (priv->session, path, custom, nobody, sink, body, cancellable,
                               &local_error))
    return TRUE;

  /* NTLM comes last in our order: only when the account allows it and the
   * server offers neither PLAIN nor LOGIN, on a fresh connection. */
  if (g_error_matches (local_error, HD_CURL_ERROR, HD_CURL_ERROR_LOGIN_DENIED)
      && hd_mailbox_get_failure_reply (self) == NULL
      && priv->auth == HD_MAILBOX_AUTH_PASSWORD && priv->authzid == NULL
      && !hd_account_get_prevent_ntlm_login (priv->account)
      && !hd_account_get_prevent_text_only_login (priv->account)
      && priv->mechanisms != NULL && g_strstr_len (priv->mechanisms, -1, "NTLM") != NULL
      && !g_str_equal (priv->login_options, "AUTH=NTLM"))
    {
      g_clear_error (&local_error);
      replace_str (&priv->login_options, "AUTH=NTLM");
      hd_curl_session_set_login_options (priv->session, priv->login_options);
      if (hd_curl_session_perform (priv->session, path, custom, nobody, sink, body, cancellable,
                                   &local_error))
        return TRUE;
    }

  hd_mailbox_propagate_session_error (self, local_error, error);
  return FALSE;
}


/* The raw connection's session: set up like the main one (server, TLS,
 * login as it last worked), with a transcript of its own. */
HdCurlSession *
hd_mailbox_ensure_raw_session (HdMailbox *self)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (self);

  g_assert (priv->session != NULL);

  if (priv->raw_session == NULL)
    {
      priv->raw_session = hd_curl_session_new_sibling (priv->session);
      hd_curl_session_set_transcript_limit (priv->raw_session, priv->transcript_limit);
    }
  return priv->raw_session;
}

/* Gives the mailbox its libcurl session, set up from the account and the
 * class (URL scheme, protocols, the probe for an untrusted server's key). */
void
hd_mailbox_attach_session (HdMailbox *self)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (self);
  HdMailboxClass *klass = HD_MAILBOX_GET_CLASS (self);
  HdSecurity security = hd_account_get_security (priv->account);

  priv->session = hd_curl_session_new (security == HD_SECURITY_TLS ? klass->url_scheme_tls
                                                                    : klass->url_scheme,
                                       hd_account_get_host (priv->account),
                                       hd_account_get_effective_port (priv->account),
                                       klass->curl_protocols);
  hd_curl_session_set_tls (priv->session, security != HD_SECURITY_NONE,
                           hd_account_get_pinned_certificate (priv->account));
  hd_curl_session_set_pin_probe (priv->session, klass->probe_command, klass->probe_nobody);
  hd_curl_session_set_hooks (priv->session, session_connected_cb, session_line_cb, self);
}

/* How the session logs in: with a password, a user name
 * `Domain\User\SharedAlias` logs in as `Domain\User` and opens the shared
 * mailbox `SharedAlias` (SASL PLAIN authorization identity). */
void
hd_mailbox_set_login (HdMailbox     *self,
                      HdMailboxAuth  auth,
                      const char    *secret)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (self);
  const char *username = hd_account_get_username (priv->account);
  const char *first_backslash = strchr (username, '\\');
  const char *last_backslash = strrchr (username, '\\');
  gboolean password = auth == HD_MAILBOX_AUTH_PASSWORD;

  priv->auth = auth;
  priv->secret = g_strdup (secret);
  if (password && first_backslash != NULL && first_backslash != last_backslash
      && last_backslash[1] != '\0')
    {
      priv->authcid = g_strndup (username, last_backslash - username);
      priv->authzid = g_strdup (last_backslash + 1);
    }
  else
    priv->authcid = g_strdup (username);

  priv->login_options = compute_login_options (self);
  if (priv->session != NULL)
    hd_curl_session_set_login (priv->session, priv->authcid, password ? priv->secret : NULL,
                               password ? NULL : priv->secret, password ? priv->authzid : NULL,
                               priv->login_options);
}

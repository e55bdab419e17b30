/* hd-mailbox.c: the HdMailbox base class: the object and its account, and
 * the public calls, which hand over to the class's virtual methods
 * (hd-mailbox-imap.c, hd-mailbox-pop3.c). The libcurl session and the login
 * are in hd-mailbox-session.c, the check in hd-mailbox-check.c, the fetches
 * in hd-mailbox-fetch.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-mailbox-private.h"

#include <string.h>

#include "hd-mailbox-imap.h"
#include "hd-mailbox-pop3.h"

enum {
  PROP_0,
  PROP_ACCOUNT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (HdMailbox, hd_mailbox, G_TYPE_OBJECT)

G_DEFINE_QUARK (hd-mailbox-error-quark, hd_mailbox_error)

HdMailboxPrivate *
hd_mailbox_get_private (HdMailbox *self)
{
  return hd_mailbox_get_instance_private (self);
}

/* Where the connection ends when nothing is left to say: the session's
 * goodbye. Subclasses say theirs first and chain up. */
static void
hd_mailbox_real_close (HdMailbox *self)
{
  HdMailboxPrivate *priv = hd_mailbox_get_instance_private (self);

  if (priv->session != NULL)
    hd_curl_session_close (priv->session);
  if (priv->raw_session != NULL)
    hd_curl_session_close (priv->raw_session);
}

static void
hd_mailbox_constructed (GObject *object)
{
  HdMailbox *self = HD_MAILBOX (object);
  HdMailboxPrivate *priv = hd_mailbox_get_instance_private (self);

  G_OBJECT_CLASS (hd_mailbox_parent_class)->constructed (object);

  if (priv->account != NULL && HD_MAILBOX_GET_CLASS (self)->url_scheme != NULL)
    hd_mailbox_attach_session (self);
}

static void
hd_mailbox_dispose (GObject *object)
{
  HdMailbox *self = HD_MAILBOX (object);
  HdMailboxPrivate *priv = hd_mailbox_get_instance_private (self);

  /* The goodbye still reaches the line hooks, which need the whole object:
   * close before anything goes. */
  if (priv->session != NULL)
    {
      hd_mailbox_close (self);
      hd_curl_session_set_hooks (priv->session, NULL, NULL, NULL);
    }
  if (priv->raw_session != NULL)
    hd_curl_session_set_hooks (priv->raw_session, NULL, NULL, NULL);
  g_clear_object (&priv->session);
  g_clear_object (&priv->raw_session);

  G_OBJECT_CLASS (hd_mailbox_parent_class)->dispose (object);
}

static void
hd_mailbox_finalize (GObject *object)
{
  HdMailbox *self = HD_MAILBOX (object);
  HdMailboxPrivate *priv = hd_mailbox_get_instance_private (self);

  if (priv->secret != NULL)
    explicit_bzero (priv->secret, strlen (priv->secret));
  g_clear_pointer (&priv->secret, g_free);
  g_clear_pointer (&priv->authcid, g_free);
  g_clear_pointer (&priv->authzid, g_free);
  g_clear_pointer (&priv->login_options, g_free);
  g_clear_pointer (&priv->greeting, g_free);
  g_clear_pointer (&priv->mechanisms, g_free);
  g_clear_pointer (&priv->sasl_error, g_free);
  g_clear_pointer (&priv->last_status, g_free);
  g_clear_object (&priv->account);

  G_OBJECT_CLASS (hd_mailbox_parent_class)->finalize (object);
}

static void
hd_mailbox_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  HdMailboxPrivate *priv = hd_mailbox_get_instance_private (HD_MAILBOX (object));

  switch (prop_id)
    {
    case PROP_ACCOUNT:
      g_value_set_object (value, priv->account);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hd_mailbox_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  HdMailboxPrivate *priv = hd_mailbox_get_instance_private (HD_MAILBOX (object));

  switch (prop_id)
    {
    case PROP_ACCOUNT:
      /* A copy, so that the session can run in a worker thread while the
       * window edits the original. */
      g_clear_object (&priv->account);
      if (g_value_get_object (value) != NULL)
        priv->account = hd_account_copy (g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hd_mailbox_class_init (HdMailboxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = hd_mailbox_constructed;
  object_class->dispose = hd_mailbox_dispose;
  object_class->finalize = hd_mailbox_finalize;
  object_class->get_property = hd_mailbox_get_property;
  object_class->set_property = hd_mailbox_set_property;

  klass->close = hd_mailbox_real_close;
  klass->fetch_batch = hd_mailbox_real_fetch_batch;

  /**
   * HdMailbox:account:
   *
   * The account the mailbox belongs to; the mailbox keeps its own copy.
   */
  properties[PROP_ACCOUNT] =
    g_param_spec_object ("account", NULL, NULL, HD_TYPE_ACCOUNT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hd_mailbox_init (HdMailbox *self)
{
}

/**
 * hd_mailbox_new:
 * @account: the account to connect for; it is copied, so that the session
 *   can run in a worker thread while the window edits the original
 * @auth: how to log in
 * @secret: the password, or the OAuth 2.0 access token
 *
 * Creates a session to the account's server, an #HdMailboxImap or an
 * #HdMailboxPop3 after the account's protocol.  Nothing is sent until the
 * first call; all calls then share one connection and one login.  With a
 * password, a user name `Domain\User\SharedAlias` logs in as `Domain\User`
 * and opens the shared mailbox `SharedAlias` (SASL PLAIN authorization
 * identity).
 *
 * Returns: (transfer full): a new #HdMailbox
 */
HdMailbox *
hd_mailbox_new (HdAccount     *account,
                HdMailboxAuth  auth,
                const char    *secret)
{
  /* One subclass per protocol, indexed by HdProtocol. */
  static GType (* const mailbox_types[]) (void) = {
    [HD_PROTOCOL_IMAP] = hd_mailbox_imap_get_type,
    [HD_PROTOCOL_POP3] = hd_mailbox_pop3_get_type,
  };
  HdMailbox *self;
  GType type;

  g_return_val_if_fail (HD_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (secret != NULL, NULL);

  type = mailbox_types[hd_account_get_protocol (account)] ();
  self = g_object_new (type, "account", account, NULL);
  hd_mailbox_set_login (self, auth, secret);

  return self;
}

/**
 * hd_mailbox_set_timeouts:
 * @self: a #HdMailbox
 * @connect_timeout_seconds: how long connecting, TLS and login may take
 * @low_speed_timeout_seconds: how long the server may stay silent mid-transfer
 *
 * Sets the timeouts for connections opened from now on (defaults 30 and 60).
 */
void
hd_mailbox_set_timeouts (HdMailbox *self,
                         guint      connect_timeout_seconds,
                         guint      low_speed_timeout_seconds)
{
  HdMailboxPrivate *priv;

  g_return_if_fail (HD_IS_MAILBOX (self));

  priv = hd_mailbox_get_instance_private (self);
  if (priv->session != NULL)
    hd_curl_session_set_timeouts (priv->session, connect_timeout_seconds,
                                  low_speed_timeout_seconds);
}

/**
 * hd_mailbox_get_account:
 * @self: a #HdMailbox
 *
 * Returns: (transfer none): the session's own copy of the account
 */
HdAccount *
hd_mailbox_get_account (HdMailbox *self)
{
  HdMailboxPrivate *priv;

  g_return_val_if_fail (HD_IS_MAILBOX (self), NULL);

  priv = hd_mailbox_get_instance_private (self);
  return priv->account;
}

/**
 * hd_mailbox_dup_transcript:
 * @self: a #HdMailbox
 *
 * Returns: (transfer full): the dialogue so far, one line each, prefixed
 *   "C: " (sent), "S: " (received) or "== " (libcurl's remarks), with every
 *   secret redacted by hd_redact_line()
 */
char *
hd_mailbox_dup_transcript (HdMailbox *self)
{
  HdMailboxPrivate *priv;

  g_return_val_if_fail (HD_IS_MAILBOX (self), NULL);

  priv = hd_mailbox_get_instance_private (self);
  if (priv->session == NULL)
    return g_strdup ("");
  if (priv->raw_session == NULL)
    return g_strdup (hd_curl_session_get_transcript (priv->session));
  /* The raw connection's dialogue follows the main one's. */
  return g_strconcat (hd_curl_session_get_transcript (priv->session),
                      hd_curl_session_get_transcript (priv->raw_session), NULL);
}

/**
 * hd_mailbox_get_server_pin:
 * @self: a #HdMailbox
 *
 * Returns: (nullable): after a TLS trust failure, the server's public key as a
 *   pin for `incoming.pinned_certificate` ("sha256//…")
 */
const char *
hd_mailbox_get_server_pin (HdMailbox *self)
{
  HdMailboxPrivate *priv;

  g_return_val_if_fail (HD_IS_MAILBOX (self), NULL);

  priv = hd_mailbox_get_instance_private (self);
  return priv->session != NULL ? hd_curl_session_get_server_pin (priv->session) : NULL;
}

/**
 * hd_mailbox_get_n_connections:
 * @self: a #HdMailbox
 *
 * Returns: how many connections the session has opened (each one logs in)
 */
guint
hd_mailbox_get_n_connections (HdMailbox *self)
{
  HdMailboxPrivate *priv;

  g_return_val_if_fail (HD_IS_MAILBOX (self), 0);

  priv = hd_mailbox_get_instance_private (self);
  return (priv->session != NULL ? hd_curl_session_get_n_connections (priv->session) : 0)
         + (priv->raw_session != NULL ? hd_curl_session_get_n_connections (priv->raw_session)
                                      : 0);
}

/**
 * hd_mailbox_list_sync:
 * @self: a #HdMailbox
 * @out_uidvalidity: (out) (optional): IMAP: the folder's UIDVALIDITY; POP3: 0
 * @out_uids: (out) (optional) (transfer full): IMAP: the UIDs of the folder,
 *   as decimal strings; POP3: the UIDLs of the maildrop
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * hd_mailbox_list_handles_sync() as a GStrv, for a few mails.
 *
 * Returns: %TRUE on success
 */
gboolean
hd_mailbox_list_sync (HdMailbox     *self,
                      guint32       *out_uidvalidity,
                      GStrv         *out_uids,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr (HdHandles) handles = NULL;

  if (!hd_mailbox_list_handles_sync (self, out_uidvalidity, &handles, cancellable, error))
    return FALSE;
  if (out_uids != NULL)
    *out_uids = hd_handles_dup_strv (handles);
  return TRUE;
}

/**
 * hd_mailbox_list_handles_sync:
 * @self: a #HdMailbox
 * @out_uidvalidity: (out) (optional): IMAP: the folder's UIDVALIDITY; POP3: 0
 * @out_handles: (out) (optional) (transfer full): the handles of the mail, in
 *   the server's order, kept compactly (a poll holds them while it runs)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Lists the mail: IMAP: the UIDs of the folder, as decimal strings; POP3:
 * the UIDLs of the maildrop. The listing is sealed (immutable) when
 * returned.
 *
 * Returns: %TRUE on success
 */
gboolean
hd_mailbox_list_handles_sync (HdMailbox     *self,
                              guint32       *out_uidvalidity,
                              HdHandles    **out_handles,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_autoptr (HdHandles) handles = NULL;

  g_return_val_if_fail (HD_IS_MAILBOX (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (out_uidvalidity != NULL)
    *out_uidvalidity = 0;
  if (!HD_MAILBOX_GET_CLASS (self)->list (self, out_uidvalidity, &handles, cancellable, error))
    return FALSE;
  /* Sealed in this thread, before anyone else may read it. */
  hd_handles_get_length (handles);
  if (out_handles != NULL)
    *out_handles = g_steal_pointer (&handles);
  return TRUE;
}

/**
 * hd_mailbox_delete_sync:
 * @self: a #HdMailbox
 * @uids: IMAP: UIDs (decimal); POP3: UIDLs
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Deletes messages for good.  IMAP: UID STORE +FLAGS.SILENT (\Deleted), then
 * UID EXPUNGE of just these when the server offers UIDPLUS, else EXPUNGE
 * when no other mail of the folder is marked deleted (else nothing, and an
 * error).  POP3: DELE each; they take effect at hd_mailbox_finish_sync()
 * (QUIT), once per session.  Every command carries the identity the UIDs
 * were listed under (IMAP UIDVALIDITY, the POP3 connection), and nothing is
 * deleted when it changed.  A UID that is no longer on the server is not an
 * error: it is gone, as asked.
 *
 * Returns: %TRUE when the server confirmed the deletion
 */
gboolean
hd_mailbox_delete_sync (HdMailbox          *self,
                        const char * const *uids,
                        GCancellable       *cancellable,
                        GError            **error)
{
  g_return_val_if_fail (HD_IS_MAILBOX (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (uids == NULL || uids[0] == NULL)
    return TRUE;

  return HD_MAILBOX_GET_CLASS (self)->delete_mail (self, uids, cancellable, error);
}

/**
 * hd_mailbox_set_defer_seen_restore:
 *
 * With @defer, a fetch of an unseen IMAP mail leaves taking \Seen off again
 * to hd_mailbox_restore_seen_sync() (or close): a poll that deletes most of
 * what it fetches then spends one command per batch instead of one per mail.
 */
void
hd_mailbox_set_defer_seen_restore (HdMailbox *self,
                                   gboolean   defer)
{
  HdMailboxPrivate *priv;

  g_return_if_fail (HD_IS_MAILBOX (self));

  priv = hd_mailbox_get_instance_private (self);
  priv->defer_seen_restore = defer;
}

/**
 * hd_mailbox_set_transcript_limit:
 * @limit: the most bytes each connection's transcript keeps, or 0 for the
 *   default (see hd_curl_session_set_transcript_limit())
 *
 * A poll keeps a small one: the login and its latest commands, without a
 * line per mail read that would make its memory grow with the mailbox.
 */
void
hd_mailbox_set_transcript_limit (HdMailbox *self,
                                 gsize      limit)
{
  HdMailboxPrivate *priv;

  g_return_if_fail (HD_IS_MAILBOX (self));

  priv = hd_mailbox_get_instance_private (self);
  priv->transcript_limit = limit;
  if (priv->session != NULL)
    hd_curl_session_set_transcript_limit (priv->session, limit);
  if (priv->raw_session != NULL)
    hd_curl_session_set_transcript_limit (priv->raw_session, limit);
}

/**
 * hd_mailbox_restore_seen_sync:
 *
 * Takes \Seen off every mail that was unseen before a deferred fetch and has
 * not been deleted since, in one command.
 *
 * Returns: %TRUE on success (and when there was nothing to do)
 */
gboolean
hd_mailbox_restore_seen_sync (HdMailbox     *self,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_return_val_if_fail (HD_IS_MAILBOX (self), FALSE);

  if (HD_MAILBOX_GET_CLASS (self)->restore_seen == NULL)
    return TRUE;
  return HD_MAILBOX_GET_CLASS (self)->restore_seen (self, cancellable, error);
}

/**
 * hd_mailbox_finish_sync:
 * @self: a #HdMailbox
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Ends the session so that the deletes sent on it take effect: POP3 QUIT
 * (only it commits the DELEs, RFC 1939 §6), IMAP LOGOUT after \Seen is
 * restored. Fails, and the DELEs count as not done, when the connection
 * that carried them is gone.
 *
 * Returns: %TRUE when every delete sent in this session is final
 */
gboolean
hd_mailbox_finish_sync (HdMailbox     *self,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_return_val_if_fail (HD_IS_MAILBOX (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (HD_MAILBOX_GET_CLASS (self)->finish == NULL)
    {
      hd_mailbox_close (self);
      return TRUE;
    }
  return HD_MAILBOX_GET_CLASS (self)->finish (self, cancellable, error);
}

/**
 * hd_mailbox_get_deletes_wait_for_finish:
 *
 * Returns: %TRUE when a delete takes effect only at hd_mailbox_finish_sync()
 *   (POP3), %FALSE when the server confirms it at once (IMAP EXPUNGE)
 */
gboolean
hd_mailbox_get_deletes_wait_for_finish (HdMailbox *self)
{
  g_return_val_if_fail (HD_IS_MAILBOX (self), FALSE);
  return HD_MAILBOX_GET_CLASS (self)->deletes_wait_for_finish;
}

/**
 * hd_mailbox_get_keys_may_be_reused:
 *
 * Returns: %TRUE when the server may give a new mail the key of an old one
 *   (POP3 UIDLs are only unique among the mails present); IMAP UIDs are
 *   never reused within one UIDVALIDITY
 */
gboolean
hd_mailbox_get_keys_may_be_reused (HdMailbox *self)
{
  g_return_val_if_fail (HD_IS_MAILBOX (self), FALSE);
  return HD_MAILBOX_GET_CLASS (self)->keys_may_be_reused;
}

/**
 * hd_mailbox_handle_needs_content_key:
 * @handle: a handle from hd_mailbox_list_sync()
 * @out_base: (out) (optional) (transfer full): the server's own key (UIDL)
 *
 * A POP3 server that lists one UIDL for two mails gives each a handle of its
 * own that names the message number of this session only; such a mail is
 * keyed by its UIDL and a hash of its content (hd-mailbox-pop3.c).
 *
 * Returns: %TRUE when @handle needs the content in its key
 */
gboolean
hd_mailbox_handle_needs_content_key (HdMailbox   *self,
                                     const char  *handle,
                                     char       **out_base)
{
  g_return_val_if_fail (HD_IS_MAILBOX (self), FALSE);
  g_return_val_if_fail (handle != NULL, FALSE);

  if (HD_MAILBOX_GET_CLASS (self)->handle_needs_content_key == NULL)
    return FALSE;
  return HD_MAILBOX_GET_CLASS (self)->handle_needs_content_key (self, handle, out_base);
}

/**
 * hd_mailbox_close:
 * @self: a #HdMailbox
 *
 * Ends the session's connection (LOGOUT / QUIT).  A later call opens a new
 * one.  Finalizing the session does this too.
 */
void
hd_mailbox_close (HdMailbox *self)
{
  g_return_if_fail (HD_IS_MAILBOX (self));

  HD_MAILBOX_GET_CLASS (self)->close (self);
}


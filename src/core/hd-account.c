/* hd-account.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-account.h"

#include <glib/gi18n-lib.h>
#include <string.h>

struct _HdAccount
{
  GObject parent_instance;

  char *name;
  gboolean enabled;
  guint poll_interval;
  gboolean push;

  char *host;
  guint port;
  guint protocol;
  guint security;
  char *folder;
  char *pinned_certificate;

  char *oauth_connection;

  char *username;
  gboolean prevent_text_only_login;
  gboolean prevent_ntlm_login;

  char *sender_address;
  char *sender_alias;
  char *account_address;

  gboolean no_new_tickets;
  gboolean create_unknown_users;
  gboolean create_customer_from_domain;
  char *fallback_user;
  gboolean auto_bundle;
  char *auto_answer_template;
  char *resource;
  char *category;
  char *priority;
};

G_DEFINE_FINAL_TYPE (HdAccount, hd_account, G_TYPE_OBJECT)

G_DEFINE_QUARK (hd-account-error-quark, hd_account_error)

enum {
  PROP_0,
  PROP_NAME,
  PROP_ENABLED,
  PROP_POLL_INTERVAL,
  PROP_PUSH,
  PROP_HOST,
  PROP_PORT,
  PROP_PROTOCOL,
  PROP_SECURITY,
  PROP_FOLDER,
  PROP_PINNED_CERTIFICATE,
  PROP_OAUTH_CONNECTION,
  PROP_USERNAME,
  PROP_PREVENT_TEXT_ONLY_LOGIN,
  PROP_PREVENT_NTLM_LOGIN,
  PROP_SENDER_ADDRESS,
  PROP_SENDER_ALIAS,
  PROP_ACCOUNT_ADDRESS,
  PROP_NO_NEW_TICKETS,
  PROP_CREATE_UNKNOWN_USERS,
  PROP_CREATE_CUSTOMER_FROM_DOMAIN,
  PROP_FALLBACK_USER,
  PROP_AUTO_BUNDLE,
  PROP_AUTO_ANSWER_TEMPLATE,
  PROP_RESOURCE,
  PROP_CATEGORY,
  PROP_PRIORITY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Every property is a plain field of the instance; this table maps one to the
 * other so that get/set_property and copy stay a loop instead of 25 cases. */
static gsize field_offsets[N_PROPS];

#define FIELD(self, prop_id) (G_STRUCT_MEMBER_P ((self), field_offsets[(prop_id)]))

static void
hd_account_finalize (GObject *object)
{
  HdAccount *self = HD_ACCOUNT (object);

  for (guint i = 1; i < N_PROPS; i++)
    {
      if (G_PARAM_SPEC_VALUE_TYPE (properties[i]) == G_TYPE_STRING)
        g_clear_pointer ((char **) FIELD (self, i), g_free);
    }

  G_OBJECT_CLASS (hd_account_parent_class)->finalize (object);
}

static void
hd_account_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  HdAccount *self = HD_ACCOUNT (object);

  if (prop_id == 0 || prop_id >= N_PROPS)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }

  switch (G_PARAM_SPEC_VALUE_TYPE (pspec))
    {
    case G_TYPE_STRING:
      g_value_set_string (value, *(char **) FIELD (self, prop_id));
      break;
    case G_TYPE_BOOLEAN:
      g_value_set_boolean (value, *(gboolean *) FIELD (self, prop_id));
      break;
    case G_TYPE_UINT:
      g_value_set_uint (value, *(guint *) FIELD (self, prop_id));
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
hd_account_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  HdAccount *self = HD_ACCOUNT (object);
  gboolean changed = FALSE;

  if (prop_id == 0 || prop_id >= N_PROPS)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }

  switch (G_PARAM_SPEC_VALUE_TYPE (pspec))
    {
    case G_TYPE_STRING:
      {
        char **field = FIELD (self, prop_id);
        const char *str = g_value_get_string (value);

        /* An empty optional string means "not set", like null in the JSON. */
        if (str != NULL && *str == '\0' && prop_id != PROP_NAME && prop_id != PROP_HOST
            && prop_id != PROP_USERNAME)
          str = NULL;
        changed = g_strcmp0 (*field, str) != 0;
        if (changed)
          {
            g_free (*field);
            *field = g_strdup (str);
          }
      }
      break;
    case G_TYPE_BOOLEAN:
      {
        gboolean *field = FIELD (self, prop_id);
        gboolean b = g_value_get_boolean (value);

        changed = *field != b;
        *field = b;
      }
      break;
    case G_TYPE_UINT:
      {
        guint *field = FIELD (self, prop_id);
        guint u = g_value_get_uint (value);

        changed = *field != u;
        *field = u;
      }
      break;
    default:
      g_assert_not_reached ();
    }

  if (changed)
    g_object_notify_by_pspec (object, pspec);
}

static void
install_string (guint       prop_id,
                const char *name,
                gsize       offset)
{
  properties[prop_id] = g_param_spec_string (name, NULL, NULL, NULL,
                                             G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                               | G_PARAM_STATIC_STRINGS);
  field_offsets[prop_id] = offset;
}

static void
install_boolean (guint       prop_id,
                 const char *name,
                 gsize       offset,
                 gboolean    default_value)
{
  properties[prop_id] = g_param_spec_boolean (name, NULL, NULL, default_value,
                                              G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                | G_PARAM_STATIC_STRINGS);
  field_offsets[prop_id] = offset;
}

static void
install_uint (guint       prop_id,
              const char *name,
              gsize       offset,
              guint       max_value,
              guint       default_value)
{
  properties[prop_id] = g_param_spec_uint (name, NULL, NULL, 0, max_value, default_value,
                                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                             | G_PARAM_STATIC_STRINGS);
  field_offsets[prop_id] = offset;
}

#define OFF(member) G_STRUCT_OFFSET (HdAccount, member)

static void
hd_account_class_init (HdAccountClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hd_account_finalize;
  object_class->get_property = hd_account_get_property;
  object_class->set_property = hd_account_set_property;

  install_string (PROP_NAME, "name", OFF (name));
  install_boolean (PROP_ENABLED, "enabled", OFF (enabled), TRUE);
  install_uint (PROP_POLL_INTERVAL, "poll-interval", OFF (poll_interval), G_MAXUINT, 300);
  /* IMAP IDLE where the server offers it; the interval stays the fallback. */
  install_boolean (PROP_PUSH, "push", OFF (push), TRUE);
  install_string (PROP_HOST, "host", OFF (host));
  /* The port is not limited here so that a bad value reaches validation and
   * gets an error naming the field instead of a GLib warning. */
  install_uint (PROP_PORT, "port", OFF (port), G_MAXUINT, 0);
  install_uint (PROP_PROTOCOL, "protocol", OFF (protocol), HD_PROTOCOL_POP3, HD_PROTOCOL_IMAP);
  install_uint (PROP_SECURITY, "security", OFF (security), HD_SECURITY_NONE, HD_SECURITY_TLS);
  install_string (PROP_FOLDER, "folder", OFF (folder));
  install_string (PROP_PINNED_CERTIFICATE, "pinned-certificate", OFF (pinned_certificate));
  install_string (PROP_OAUTH_CONNECTION, "oauth-connection", OFF (oauth_connection));
  install_string (PROP_USERNAME, "username", OFF (username));
  install_boolean (PROP_PREVENT_TEXT_ONLY_LOGIN, "prevent-text-only-login",
                   OFF (prevent_text_only_login), FALSE);
  install_boolean (PROP_PREVENT_NTLM_LOGIN, "prevent-ntlm-login", OFF (prevent_ntlm_login), TRUE);
  install_string (PROP_SENDER_ADDRESS, "sender-address", OFF (sender_address));
  install_string (PROP_SENDER_ALIAS, "sender-alias", OFF (sender_alias));
  install_string (PROP_ACCOUNT_ADDRESS, "account-address", OFF (account_address));
  install_boolean (PROP_NO_NEW_TICKETS, "no-new-tickets", OFF (no_new_tickets), FALSE);
  install_boolean (PROP_CREATE_UNKNOWN_USERS, "create-unknown-users", OFF (create_unknown_users),
                   TRUE);
  install_boolean (PROP_CREATE_CUSTOMER_FROM_DOMAIN, "create-customer-from-domain",
                   OFF (create_customer_from_domain), FALSE);
  install_string (PROP_FALLBACK_USER, "fallback-user", OFF (fallback_user));
  install_boolean (PROP_AUTO_BUNDLE, "auto-bundle", OFF (auto_bundle), TRUE);
  install_string (PROP_AUTO_ANSWER_TEMPLATE, "auto-answer-template", OFF (auto_answer_template));
  install_string (PROP_RESOURCE, "resource", OFF (resource));
  install_string (PROP_CATEGORY, "category", OFF (category));
  install_string (PROP_PRIORITY, "priority", OFF (priority));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hd_account_init (HdAccount *self)
{
  self->name = g_strdup ("");
  self->host = g_strdup ("");
  self->username = g_strdup ("");
  self->enabled = TRUE;
  self->poll_interval = 300;
  self->push = TRUE;
  self->protocol = HD_PROTOCOL_IMAP;
  self->security = HD_SECURITY_TLS;
  self->folder = g_strdup ("INBOX");
  self->prevent_ntlm_login = TRUE;
  self->create_unknown_users = TRUE;
  self->auto_bundle = TRUE;
}

HdAccount *
hd_account_new (void)
{
  return g_object_new (HD_TYPE_ACCOUNT, NULL);
}

/**
 * hd_account_copy:
 *
 * Returns: (transfer full): an independent copy, for handing an account to a
 *   worker thread while the window goes on editing the original.
 */
HdAccount *
hd_account_copy (HdAccount *self)
{
  HdAccount *copy;

  g_return_val_if_fail (HD_IS_ACCOUNT (self), NULL);

  copy = hd_account_new ();
  for (guint i = 1; i < N_PROPS; i++)
    {
      g_auto (GValue) value = G_VALUE_INIT;

      g_value_init (&value, G_PARAM_SPEC_VALUE_TYPE (properties[i]));
      g_object_get_property (G_OBJECT (self), properties[i]->name, &value);
      g_object_set_property (G_OBJECT (copy), properties[i]->name, &value);
    }

  return copy;
}

/**
 * hd_email_address_is_valid:
 *
 * A deliberately plain check (one "@", a local part and a domain without
 * spaces or control characters): strict enough to catch typing errors in the
 * dialog, loose enough never to refuse an address a mail server accepts.
 */
gboolean
hd_email_address_is_valid (const char *address)
{
  const char *at;

  if (address == NULL || !g_utf8_validate (address, -1, NULL))
    return FALSE;

  at = strchr (address, '@');
  if (at == NULL || at == address || at[1] == '\0' || strchr (at + 1, '@') != NULL)
    return FALSE;

  for (const char *p = address; *p; p++)
    {
      if ((guchar) *p <= ' ' || *p == '<' || *p == '>' || *p == ',' || *p == ';')
        return FALSE;
    }

  return at[1] != '.' && !g_str_has_suffix (address, ".") && strstr (at, "..") == NULL;
}

/**
 * hd_host_name_is_valid:
 *
 * A host name (letters, digits, "-", "_" and ".", or an internationalised
 * name), an IPv4 address or a bare IPv6 address. Whatever else could stand
 * in a host name ends up in the URL that libcurl is given, where "#", "?",
 * "/", "@", ":" or "%" would silently change the host or port it connects to.
 */
gboolean
hd_host_name_is_valid (const char *host)
{
  gsize length;

  if (host == NULL || *host == '\0' || !g_utf8_validate (host, -1, NULL))
    return FALSE;
  length = strlen (host);
  if (length > HD_HOST_NAME_MAX_LENGTH)
    return FALSE;

  /* An IPv6 address is put in brackets in the URL; a zone ("%eth0") is not
   * taken, since it would have to be escaped there. */
  if (strchr (host, ':') != NULL)
    return strspn (host, "0123456789abcdefABCDEF:.") == length && g_hostname_is_ip_address (host);

  if (*host == '.' || strstr (host, "..") != NULL)
    return FALSE;
  for (const char *p = host; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x80 ? !(g_ascii_isalnum (c) || c == '-' || c == '_' || c == '.')
                   : !(g_unichar_isalnum (c) || g_unichar_ismark (c)))
        return FALSE;
    }
  return TRUE;
}

/**
 * hd_text_is_one_line:
 *
 * Whether @text is UTF-8 without line breaks, tabs or other control
 * characters (C0, DEL, C1, and the Unicode line and paragraph separators).
 * A line break in a user name, folder or sender name would end the IMAP,
 * POP3 or SMTP command or header line it is put in.
 */
gboolean
hd_text_is_one_line (const char *text)
{
  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return FALSE;
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) || c == 0x2028 || c == 0x2029)
        return FALSE;
    }
  return TRUE;
}

static gboolean
fail (GError    **error,
      const char *field,
      const char *message)
{
  g_set_error (error, HD_ACCOUNT_ERROR, HD_ACCOUNT_ERROR_INVALID, "%s: %s", field, message);
  return FALSE;
}

/* The JSON path of every string property and the most characters it may
 * hold: enough for any real value, and small enough that a runaway file
 * (a 10 MB name) is refused instead of stored and shown in every list. */
static const struct
{
  guint prop_id;
  const char *field;
  guint max_chars;
} text_fields[] = {
  { PROP_NAME, "name", HD_ACCOUNT_TEXT_MAX_LENGTH },
  { PROP_HOST, "incoming.host", HD_HOST_NAME_MAX_LENGTH },
  { PROP_FOLDER, "incoming.folder", HD_ACCOUNT_FOLDER_MAX_LENGTH },
  { PROP_PINNED_CERTIFICATE, "incoming.pinned_certificate", HD_ACCOUNT_FOLDER_MAX_LENGTH },
  { PROP_OAUTH_CONNECTION, "oauth_connection", HD_ACCOUNT_TEXT_MAX_LENGTH },
  { PROP_USERNAME, "login.username", HD_ACCOUNT_TEXT_MAX_LENGTH },
  { PROP_SENDER_ADDRESS, "account_info.sender_address", HD_EMAIL_ADDRESS_MAX_LENGTH },
  { PROP_SENDER_ALIAS, "account_info.sender_alias", HD_ACCOUNT_TEXT_MAX_LENGTH },
  { PROP_ACCOUNT_ADDRESS, "account_info.account_address", HD_EMAIL_ADDRESS_MAX_LENGTH },
  { PROP_FALLBACK_USER, "tickets.fallback_user", HD_ACCOUNT_TEXT_MAX_LENGTH },
  { PROP_AUTO_ANSWER_TEMPLATE, "tickets.auto_answer_template", HD_ACCOUNT_TEXT_MAX_LENGTH },
  { PROP_RESOURCE, "tickets.resource", HD_ACCOUNT_TEXT_MAX_LENGTH },
  { PROP_CATEGORY, "tickets.category", HD_ACCOUNT_TEXT_MAX_LENGTH },
  { PROP_PRIORITY, "tickets.priority", HD_ACCOUNT_TEXT_MAX_LENGTH },
};

/**
 * hd_text_check:
 * @field: the name that the error starts with
 * @max_chars: the most characters @text may have
 *
 * The rule every one-line text of an account or a setting follows: UTF-8,
 * at most @max_chars characters, no control characters.
 *
 * Returns: %TRUE if @text is %NULL or follows it; otherwise @error is
 *   %HD_ACCOUNT_ERROR_INVALID, "FIELD: what is wrong".
 */
gboolean
hd_text_check (const char *text,
               const char *field,
               guint       max_chars,
               GError    **error)
{
  g_return_val_if_fail (field != NULL, FALSE);

  if (text == NULL)
    return TRUE;
  if (!g_utf8_validate (text, -1, NULL))
    return fail (error, field, _("must be UTF-8 text"));
  /* Counted in bytes first, so that a huge value costs nothing to refuse. */
  if (strlen (text) > max_chars && g_utf8_strlen (text, 4 * (gssize) max_chars + 4) > max_chars)
    {
      g_autofree char *message = g_strdup_printf (_("is longer than %u characters"), max_chars);
      return fail (error, field, message);
    }
  if (!hd_text_is_one_line (text))
    return fail (error, field, _("must not contain line breaks or other control characters"));
  return TRUE;
}

static gboolean
validate_address (const char *value,
                  const char *field,
                  GError    **error)
{
  if (value != NULL && !hd_email_address_is_valid (value))
    {
      g_autofree char *message = g_strdup_printf (_("“%s” is not a valid e-mail address"), value);
      return fail (error, field, message);
    }
  return TRUE;
}

/**
 * hd_account_validate:
 *
 * Checks every rule that the account can check on its own. Rules that need
 * the store (names of users, resources, … that must exist) are checked by
 * the store when the account is saved.
 *
 * Returns: %TRUE if valid; otherwise @error is %HD_ACCOUNT_ERROR_INVALID with
 *   a message that starts with the field's JSON path, e.g. "incoming.port: …".
 */
gboolean
hd_account_validate (HdAccount *self,
                     GError   **error)
{
  g_return_val_if_fail (HD_IS_ACCOUNT (self), FALSE);

  if (self->name == NULL || *self->name == '\0')
    return fail (error, "name", _("the account needs a name"));
  if (!g_utf8_validate (self->name, -1, NULL) || strpbrk (self->name, "\n\r\t") != NULL)
    return fail (error, "name", _("the name must be one line of text"));
  for (guint i = 0; i < G_N_ELEMENTS (text_fields); i++)
    {
      const char *text = *(char **) FIELD (self, text_fields[i].prop_id);

      if (!hd_text_check (text, text_fields[i].field, text_fields[i].max_chars, error))
        return FALSE;
    }
  if (self->poll_interval < 10 || self->poll_interval > 86400)
    return fail (error, "poll_interval", _("must be between 10 and 86400 seconds"));
  if (self->host == NULL || *self->host == '\0')
    return fail (error, "incoming.host", _("the host name is empty"));
  if (!hd_host_name_is_valid (self->host))
    return fail (error, "incoming.host", _("the host name contains characters a host name cannot have"));
  if (self->port < 1 || self->port > 65535)
    return fail (error, "incoming.port", _("must be between 1 and 65535"));
  if (self->protocol == HD_PROTOCOL_IMAP && (self->folder == NULL || *self->folder == '\0'))
    return fail (error, "incoming.folder", _("an IMAP account needs a folder"));
  if (self->pinned_certificate != NULL && !g_str_has_prefix (self->pinned_certificate, "sha256//"))
    return fail (error, "incoming.pinned_certificate", _("must start with “sha256//”"));
  if (self->username == NULL || *self->username == '\0')
    return fail (error, "login.username", _("the user name is empty"));
  if (!validate_address (self->sender_address, "account_info.sender_address", error)
      || !validate_address (self->account_address, "account_info.account_address", error))
    return FALSE;
  if (!self->create_unknown_users && self->fallback_user == NULL)
    return fail (error, "tickets.fallback_user",
                 _("unknown senders need a fallback user when new users are not created"));

  return TRUE;
}

/**
 * hd_account_error_dup_field:
 *
 * Returns: (nullable): the JSON path of the field that @error names, so that
 *   the window can show the message on that field.
 */
char *
hd_account_error_dup_field (const GError *error)
{
  const char *colon;

  if (error == NULL || error->message == NULL)
    return NULL;
  colon = strstr (error->message, ": ");
  if (colon == NULL)
    return NULL;
  return g_strndup (error->message, colon - error->message);
}

guint
hd_account_get_effective_port (HdAccount *self)
{
  g_return_val_if_fail (HD_IS_ACCOUNT (self), 0);

  if (self->port != 0)
    return self->port;
  return hd_default_port (self->protocol, self->security);
}

#define STRING_GETTER(member) \
  const char *hd_account_get_##member (HdAccount *self) \
  { \
    g_return_val_if_fail (HD_IS_ACCOUNT (self), NULL); \
    return self->member; \
  }
#define VALUE_GETTER(type, member) \
  type hd_account_get_##member (HdAccount *self) \
  { \
    g_return_val_if_fail (HD_IS_ACCOUNT (self), (type) 0); \
    return (type) self->member; \
  }

STRING_GETTER (name)
VALUE_GETTER (gboolean, enabled)
VALUE_GETTER (guint, poll_interval)
VALUE_GETTER (gboolean, push)
STRING_GETTER (host)
VALUE_GETTER (guint, port)
VALUE_GETTER (HdProtocol, protocol)
VALUE_GETTER (HdSecurity, security)
STRING_GETTER (folder)
STRING_GETTER (pinned_certificate)
STRING_GETTER (oauth_connection)
STRING_GETTER (username)
VALUE_GETTER (gboolean, prevent_text_only_login)
VALUE_GETTER (gboolean, prevent_ntlm_login)
STRING_GETTER (sender_address)
STRING_GETTER (sender_alias)
STRING_GETTER (account_address)
VALUE_GETTER (gboolean, no_new_tickets)
VALUE_GETTER (gboolean, create_unknown_users)
VALUE_GETTER (gboolean, create_customer_from_domain)
STRING_GETTER (fallback_user)
VALUE_GETTER (gboolean, auto_bundle)
STRING_GETTER (auto_answer_template)
STRING_GETTER (resource)
STRING_GETTER (category)
STRING_GETTER (priority)

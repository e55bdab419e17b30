/* hd-account-json.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-account-json.h"

#include <glib/gi18n-lib.h>

typedef enum {
  KIND_STRING,   /* a string, required unless nullable */
  KIND_NULLABLE, /* a string or null */
  KIND_BOOLEAN,
  KIND_UINT,
  KIND_PROTOCOL,
  KIND_SECURITY,
} FieldKind;

typedef struct
{
  const char *section; /* NULL for the top level */
  const char *key;
  const char *property;
  FieldKind kind;
  gboolean required;
} Field;

/* The order is the order of DESIGN.md's sample, which export keeps. */
static const Field fields[] = {
  { NULL, "name", "name", KIND_STRING, TRUE },
  { NULL, "enabled", "enabled", KIND_BOOLEAN, FALSE },
  { NULL, "poll_interval", "poll-interval", KIND_UINT, FALSE },
  { "incoming", "host", "host", KIND_STRING, TRUE },
  { "incoming", "port", "port", KIND_UINT, FALSE },
  { "incoming", "protocol", "protocol", KIND_PROTOCOL, TRUE },
  { "incoming", "security", "security", KIND_SECURITY, FALSE },
  { "incoming", "folder", "folder", KIND_STRING, FALSE },
  { "incoming", "pinned_certificate", "pinned-certificate", KIND_NULLABLE, FALSE },
  { NULL, "oauth_connection", "oauth-connection", KIND_NULLABLE, FALSE },
  { "login", "username", "username", KIND_STRING, TRUE },
  { "login", "prevent_text_only_login", "prevent-text-only-login", KIND_BOOLEAN, FALSE },
  { "login", "prevent_ntlm_login", "prevent-ntlm-login", KIND_BOOLEAN, FALSE },
  { "account_info", "sender_address", "sender-address", KIND_NULLABLE, FALSE },
  { "account_info", "sender_alias", "sender-alias", KIND_NULLABLE, FALSE },
  { "account_info", "account_address", "account-address", KIND_NULLABLE, FALSE },
  { "tickets", "no_new_tickets", "no-new-tickets", KIND_BOOLEAN, FALSE },
  { "tickets", "create_unknown_users", "create-unknown-users", KIND_BOOLEAN, FALSE },
  { "tickets", "create_customer_from_domain", "create-customer-from-domain", KIND_BOOLEAN, FALSE },
  { "tickets", "fallback_user", "fallback-user", KIND_NULLABLE, FALSE },
  { "tickets", "auto_bundle", "auto-bundle", KIND_BOOLEAN, FALSE },
  { "tickets", "auto_answer_template", "auto-answer-template", KIND_NULLABLE, FALSE },
  { "tickets", "resource", "resource", KIND_NULLABLE, FALSE },
  { "tickets", "category", "category", KIND_NULLABLE, FALSE },
  { "tickets", "priority", "priority", KIND_NULLABLE, FALSE },
};

static const char *const sections[] = { "incoming", "login", "account_info", "tickets" };

static char *
field_path (const Field *field)
{
  if (field->section == NULL)
    return g_strdup (field->key);
  return g_strconcat (field->section, ".", field->key, NULL);
}

static gboolean
invalid (GError    **error,
         const char *path,
         const char *message)
{
  g_set_error (error, HD_ACCOUNT_ERROR, HD_ACCOUNT_ERROR_INVALID, "%s: %s", path, message);
  return FALSE;
}

static gboolean
node_is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
read_field (HdAccount   *account,
            JsonObject  *object,
            const Field *field,
            GError     **error)
{
  g_autofree char *path = field_path (field);
  JsonNode *node = object != NULL ? json_object_get_member (object, field->key) : NULL;

  if (node == NULL)
    {
      if (field->required)
        return invalid (error, path, _("is required"));
      return TRUE;
    }

  switch (field->kind)
    {
    case KIND_STRING:
    case KIND_NULLABLE:
      if (JSON_NODE_HOLDS_NULL (node) && field->kind == KIND_NULLABLE)
        g_object_set (account, field->property, NULL, NULL);
      else if (node_is_string (node))
        g_object_set (account, field->property, json_node_get_string (node), NULL);
      else
        return invalid (error, path,
                        field->kind == KIND_NULLABLE ? _("must be a string or null")
                                                     : _("must be a string"));
      break;

    case KIND_BOOLEAN:
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        return invalid (error, path, _("must be true or false"));
      g_object_set (account, field->property, json_node_get_boolean (node), NULL);
      break;

    case KIND_UINT:
      {
        gint64 value;

        if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
          return invalid (error, path, _("must be a whole number"));
        value = json_node_get_int (node);
        /* Out-of-range numbers are kept as 0 so that validation names the field. */
        g_object_set (account, field->property, (guint) (value > 0 && value <= G_MAXUINT ? value : 0),
                      NULL);
      }
      break;

    case KIND_PROTOCOL:
      {
        HdProtocol protocol;

        if (!node_is_string (node) || !hd_protocol_from_string (json_node_get_string (node), &protocol))
          return invalid (error, path, _("must be “imap” or “pop3”"));
        g_object_set (account, field->property, (guint) protocol, NULL);
      }
      break;

    case KIND_SECURITY:
      {
        HdSecurity security;

        if (!node_is_string (node) || !hd_security_from_string (json_node_get_string (node), &security))
          return invalid (error, path, _("must be “tls”, “starttls” or “none”"));
        g_object_set (account, field->property, (guint) security, NULL);
      }
      break;

    default:
      g_assert_not_reached ();
    }

  return TRUE;
}

static gboolean
is_known_member (const char *section,
                 const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      if (g_strcmp0 (fields[i].section, section) == 0 && g_str_equal (fields[i].key, key))
        return TRUE;
    }
  /* `show --json` adds the read-only health, which `add` takes back and ignores. */
  if (section == NULL)
    return g_strv_contains ((const char *const *) sections, key) || g_str_equal (key, "health");
  return FALSE;
}

static gboolean
has_port (JsonObject *root)
{
  JsonNode *incoming = json_object_get_member (root, "incoming");

  return incoming != NULL && json_object_has_member (json_node_get_object (incoming), "port");
}

/* A misspelt key would otherwise be dropped without a word, and the admin
 * would wonder why "prevent_ntlm_logon": false had no effect. */
static gboolean
check_unknown_members (JsonObject *object,
                       const char *section,
                       GError    **error)
{
  g_autoptr (GList) members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    {
      if (!is_known_member (section, l->data))
        {
          g_autofree char *path = section ? g_strconcat (section, ".", l->data, NULL)
                                          : g_strdup (l->data);
          return invalid (error, path, _("is not a field of an account"));
        }
    }
  return TRUE;
}

/**
 * hd_account_new_from_json:
 *
 * Reads one account object. A port that is left out becomes the protocol's
 * default for the chosen security.
 *
 * Returns: (transfer full) (nullable): a validated account, or %NULL with
 *   @error naming the field.
 */
HdAccount *
hd_account_new_from_json (JsonNode *node,
                          GError  **error)
{
  g_autoptr (HdAccount) account = hd_account_new ();
  JsonObject *root;

  g_return_val_if_fail (node != NULL, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      invalid (error, "account", _("must be a JSON object"));
      return NULL;
    }
  root = json_node_get_object (node);
  if (!check_unknown_members (root, NULL, error))
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (sections); i++)
    {
      JsonNode *member = json_object_get_member (root, sections[i]);

      if (member != NULL && !JSON_NODE_HOLDS_OBJECT (member))
        {
          invalid (error, sections[i], _("must be a JSON object"));
          return NULL;
        }
      if (member != NULL && !check_unknown_members (json_node_get_object (member), sections[i], error))
        return NULL;
    }

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      const Field *field = &fields[i];
      JsonObject *object = root;

      if (field->section != NULL)
        {
          JsonNode *member = json_object_get_member (root, field->section);
          object = member ? json_node_get_object (member) : NULL;
        }
      if (!read_field (account, object, field, error))
        return NULL;
    }

  if (!has_port (root))
    g_object_set (account, "port", hd_account_get_effective_port (account), NULL);

  if (!hd_account_validate (account, error))
    return NULL;

  return g_steal_pointer (&account);
}

/**
 * hd_account_to_json:
 *
 * Returns: (transfer full): the account in the schema that
 *   hd_account_new_from_json() reads. It never holds a secret.
 */
JsonNode *
hd_account_to_json (HdAccount *self)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  const char *open_section = NULL;

  g_return_val_if_fail (HD_IS_ACCOUNT (self), NULL);

  json_builder_begin_object (builder);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      const Field *field = &fields[i];

      if (g_strcmp0 (open_section, field->section) != 0)
        {
          if (open_section != NULL)
            json_builder_end_object (builder);
          if (field->section != NULL)
            {
              json_builder_set_member_name (builder, field->section);
              json_builder_begin_object (builder);
            }
          open_section = field->section;
        }

      json_builder_set_member_name (builder, field->key);
      switch (field->kind)
        {
        case KIND_STRING:
        case KIND_NULLABLE:
          {
            g_autofree char *value = NULL;

            g_object_get (self, field->property, &value, NULL);
            if (value == NULL)
              json_builder_add_null_value (builder);
            else
              json_builder_add_string_value (builder, value);
          }
          break;
        case KIND_BOOLEAN:
          {
            gboolean value;

            g_object_get (self, field->property, &value, NULL);
            json_builder_add_boolean_value (builder, value);
          }
          break;
        case KIND_UINT:
          {
            guint value;

            g_object_get (self, field->property, &value, NULL);
            json_builder_add_int_value (builder, value);
          }
          break;
        case KIND_PROTOCOL:
          json_builder_add_string_value (builder,
                                         hd_protocol_to_string (hd_account_get_protocol (self)));
          break;
        case KIND_SECURITY:
          json_builder_add_string_value (builder,
                                         hd_security_to_string (hd_account_get_security (self)));
          break;
        default:
          g_assert_not_reached ();
        }
    }
  if (open_section != NULL)
    json_builder_end_object (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

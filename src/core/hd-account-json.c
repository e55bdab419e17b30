/* hd-account-json.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-account-json.h"

#include <glib/gi18n-lib.h>
#include <string.h>

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
  { NULL, "push", "push", KIND_BOOLEAN, FALSE },
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

/* A member name as the error names it: as written when it looks like a
 * field's name, else in quotes and escaped, so that an empty name, a
 * control character or a ": " in it still gives "FIELD: …" (found by
 * fuzzing: {"": {}} gave an error without a field). */
static char *
quote_key (const char *key)
{
  g_autofree char *shown = NULL;
  g_autofree char *escaped = NULL;
  GString *quoted;

  if (*key != '\0' && strlen (key) <= 64
      && strspn (key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
           == strlen (key))
    return g_strdup (key);

  shown = g_utf8_make_valid (key, MIN (strlen (key), 64));
  escaped = g_strescape (shown, NULL);
  quoted = g_string_new (NULL);
  g_string_printf (quoted, "\"%s\"", escaped);
  /* hd_account_error_dup_field() reads up to the first ": ". */
  g_string_replace (quoted, ":", "\\u003a", 0);
  return g_string_free (quoted, FALSE);
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
          g_autofree char *key = quote_key (l->data);
          g_autofree char *path = section ? g_strconcat (section, ".", key, NULL)
                                          : g_steal_pointer (&key);
          return invalid (error, path, _("is not a field of an account"));
        }
    }
  return TRUE;
}

/* One open object or array of the document being scanned. */
typedef struct
{
  gboolean is_object;
  gboolean expect_key; /* in an object: the next string is a member name */
  char *key;           /* in an object: the member being read */
  guint index;         /* in an array: the element being read */
} Frame;

static void
frame_clear (gpointer data)
{
  Frame *frame = data;

  g_clear_pointer (&frame->key, g_free);
}

/* The path of the value being read, "incoming.host", for an error that names
 * the field as the account's own errors do; in an array of accounts, with
 * the account's number in front as `accounts add` says it. */
static char *
scan_path (GArray *stack)
{
  GString *path = g_string_new (NULL);

  for (guint i = 0; i < stack->len; i++)
    {
      const Frame *frame = &g_array_index (stack, Frame, i);

      if (i == 0 && !frame->is_object)
        g_string_append_printf (path, _("account %u: "), frame->index + 1);
      else if (frame->is_object && frame->key != NULL)
        {
          g_autofree char *key = quote_key (frame->key);

          if (path->len > 0 && !g_str_has_suffix (path->str, " "))
            g_string_append_c (path, '.');
          g_string_append (path, key);
        }
    }
  if (path->len == 0 || g_str_has_suffix (path->str, " "))
    g_string_append (path, "account");
  return g_string_free (path, FALSE);
}

/* Reads the bytes once, before json-glib does, for what json-glib cannot be
 * trusted with: nesting (its parser recurses, and 100,000 "[" overflow the
 * stack), NUL bytes, and "\u0000" (which it turns into a C string cut short
 * at that point, so that "Sup\u0000port" would be stored as "Sup"). It does
 * not check the syntax; json-glib does that afterwards. */
static gboolean
scan_json (const char *data,
           gsize       length,
           const char *source,
           GError    **error)
{
  g_autoptr (GArray) stack = g_array_new (FALSE, TRUE, sizeof (Frame));
  gboolean in_string = FALSE;
  gboolean string_is_key = FALSE;
  gsize string_start = 0;
  guint line = 1;

  g_array_set_clear_func (stack, frame_clear);

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];
      Frame *top = stack->len > 0 ? &g_array_index (stack, Frame, stack->len - 1) : NULL;

      if (c == '\0')
        {
          g_set_error (error, HD_ACCOUNT_ERROR, HD_ACCOUNT_ERROR_INVALID,
                       _("%s: line %u holds a NUL byte; JSON is text"), source, line);
          return FALSE;
        }
      if (c == '\n')
        line++;

      if (in_string)
        {
          if (c == '\\' && i + 1 < length)
            {
              if (data[i + 1] == 'u' && i + 5 < length && strncmp (data + i + 2, "0000", 4) == 0)
                {
                  g_autofree char *path = scan_path (stack);

                  /* The escape stands in a member name: name the object. */
                  if (string_is_key && top != NULL)
                    {
                      g_free (path);
                      g_clear_pointer (&top->key, g_free);
                      path = scan_path (stack);
                    }
                  return invalid (error, path, _("must not contain the character \\u0000"));
                }
              i++;
            }
          else if (c == '"')
            {
              in_string = FALSE;
              if (string_is_key && top != NULL)
                {
                  /* Enough of the name for an error message. */
                  g_free (top->key);
                  top->key = g_utf8_make_valid (data + string_start,
                                                MIN (i - string_start, 64));
                  top->expect_key = FALSE;
                }
            }
          continue;
        }

      switch (c)
        {
        case '"':
          in_string = TRUE;
          string_is_key = top != NULL && top->is_object && top->expect_key;
          string_start = i + 1;
          break;
        case '{':
        case '[':
          if (stack->len >= HD_ACCOUNT_JSON_MAX_DEPTH)
            {
              g_set_error (error, HD_ACCOUNT_ERROR, HD_ACCOUNT_ERROR_INVALID,
                           _("%s: line %u: nested more than %u levels deep"), source, line,
                           HD_ACCOUNT_JSON_MAX_DEPTH);
              return FALSE;
            }
          g_array_set_size (stack, stack->len + 1);
          top = &g_array_index (stack, Frame, stack->len - 1);
          top->is_object = c == '{';
          top->expect_key = top->is_object;
          break;
        case '}':
        case ']':
          if (stack->len > 0)
            g_array_set_size (stack, stack->len - 1);
          break;
        case ',':
          if (top != NULL && top->is_object)
            {
              top->expect_key = TRUE;
              g_clear_pointer (&top->key, g_free);
            }
          else if (top != NULL)
            top->index++;
          break;
        default:
          break;
        }
    }

  return TRUE;
}

/**
 * hd_account_json_parse:
 * @data: the text of a file of accounts
 * @source: what to call it in an error: the file's name, or "-"
 *
 * Parses JSON that a user hands over (a file for `accounts add`) within
 * limits: at most %HD_ACCOUNT_JSON_MAX_SIZE bytes, nested at most
 * %HD_ACCOUNT_JSON_MAX_DEPTH levels, no NUL and no "\u0000".
 *
 * Returns: (transfer full) (nullable): the root node, or %NULL with @error
 *   set: %HD_ACCOUNT_ERROR_INVALID for a limit, %JSON_PARSER_ERROR for bad
 *   syntax.
 */
JsonNode *
hd_account_json_parse (const char *data,
                       gsize       length,
                       const char *source,
                       GError    **error)
{
  g_autoptr (JsonParser) parser = NULL;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (source != NULL, NULL);

  if (length > HD_ACCOUNT_JSON_MAX_SIZE)
    {
      g_set_error (error, HD_ACCOUNT_ERROR, HD_ACCOUNT_ERROR_INVALID,
                   _("%s: larger than %u MiB, which no file of accounts is"), source,
                   HD_ACCOUNT_JSON_MAX_SIZE / (1024 * 1024));
      return NULL;
    }
  if (!scan_json (data, length, source, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, length > 0 ? data : "", length, error))
    {
      g_prefix_error (error, _("%s: not valid JSON: "), source);
      return NULL;
    }
  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE, _("%s: empty JSON"), source);
      return NULL;
    }
  return json_node_ref (json_parser_get_root (parser));
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

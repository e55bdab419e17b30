/* fuzz-account-json.c: the account JSON reader (`accounts add`): any bytes
 * are refused with an error or read into an account that is valid, and
 * that account written and read again is the same.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fuzz-common.h"

#include <string.h>

#include "hd-account-json.h"
#include "hd-settings.h"

static void
read_account (JsonNode *node)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HdAccount) account = hd_account_new_from_json (node, &error);
  g_autoptr (JsonNode) written = NULL;
  g_autoptr (JsonNode) again = NULL;
  g_autoptr (HdAccount) reread = NULL;
  g_autoptr (JsonNode) rewritten = NULL;
  g_autofree char *text = NULL;
  g_autofree char *field = NULL;

  if (account == NULL)
    {
      /* Every refusal names the field. */
      g_assert (error != NULL && error->domain == HD_ACCOUNT_ERROR);
      field = hd_account_error_dup_field (error);
      g_assert (field != NULL && field[0] != '\0');
      return;
    }
  g_assert (error == NULL);
  g_assert (hd_account_validate (account, NULL));

  written = hd_account_to_json (account);
  text = json_to_string (written, TRUE);
  again = hd_account_json_parse (text, strlen (text), "again", &error);
  g_assert (again != NULL);
  reread = hd_account_new_from_json (again, &error);
  g_assert (reread != NULL);
  rewritten = hd_account_to_json (reread);
  g_assert (json_node_equal (written, rewritten));
}

/* A settings object {"smtp.host": "…"} is checked by the same rules. */
static void
check_settings (JsonObject *object)
{
  g_autoptr (GList) members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (object, l->data);

      if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
        (void) hd_settings_validate (l->data, json_node_get_string (value), NULL);
    }
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = hd_account_json_parse ((const char *) data, size, "fuzz.json",
                                                     &error);

  if (root == NULL)
    {
      g_assert (error != NULL);
      return 0;
    }

  if (JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *array = json_node_get_array (root);

      for (guint i = 0; i < json_array_get_length (array); i++)
        read_account (json_array_get_element (array, i));
    }
  else
    {
      read_account (root);
      if (JSON_NODE_HOLDS_OBJECT (root))
        check_settings (json_node_get_object (root));
    }
  return 0;
}

/* hd-ctl-accounts.c: helpdesk-mailctl accounts …
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-ctl.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>

#include "hd-account-json.h"
#include "hd-accounts.h"
#include "hd-secrets.h"
#include "hd-store-health.h"

static JsonNode *
accounts_to_json (GPtrArray *accounts)
{
  JsonArray *array = json_array_sized_new (accounts->len);
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < accounts->len; i++)
    json_array_add_element (array, hd_account_to_json (accounts->pdata[i]));
  json_node_take_array (node, array);
  return node;
}

/* The read-only "health" that `show --json` and `list --json` carry. */
static void
add_health (HdStore  *store,
            JsonNode *node)
{
  JsonObject *object = json_node_get_object (node);
  const char *name = json_object_get_string_member (object, "name");
  gint64 id = hd_store_get_account_id (store, name, NULL);
  g_autoptr (HdAccountHealth) health = id != 0 ? hd_store_get_health (store, id, NULL) : NULL;
  JsonObject *h = json_object_new ();

  json_object_set_string_member (h, "state", health != NULL && health->state != NULL
                                 ? health->state : HD_HEALTH_NEVER_POLLED);
  json_object_set_string_member (h, "since", health != NULL ? health->since : NULL);
  json_object_set_string_member (h, "message", health != NULL ? health->message : NULL);
  json_object_set_string_member (h, "last_poll", health != NULL ? health->last_poll : NULL);
  json_object_set_string_member (h, "next_poll", health != NULL ? health->next_poll : NULL);
  json_object_set_object_member (object, "health", h);
}

static int
accounts_list (HdCtl *ctl,
               int    argc,
               char **argv)
{
  HdCtlFlag flags[] = { { "--json" } };
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;
  HdStore *store;

  store = hd_ctl_prepare (ctl, argc, argv, flags, G_N_ELEMENTS (flags), 0, 0, "accounts list [--json]", &words,
                   &status);
  if (store == NULL)
    return status;

  accounts = hd_store_list_accounts (store, &error);
  if (accounts == NULL)
    return hd_ctl_fail_error (error);

  if (flags[0].seen)
    {
      g_autoptr (JsonNode) node = accounts_to_json (accounts);
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        add_health (store, json_array_get_element (array, i));
      hd_ctl_print_json (node);
      return HD_CTL_EXIT_OK;
    }

  for (guint i = 0; i < accounts->len; i++)
    {
      HdAccount *a = accounts->pdata[i];

      printf ("%s\t%s\t%s:%u\t%s\n", hd_account_get_name (a),
              hd_protocol_to_string (hd_account_get_protocol (a)), hd_account_get_host (a),
              hd_account_get_port (a), hd_account_get_enabled (a) ? _("enabled") : _("disabled"));
    }
  return HD_CTL_EXIT_OK;
}

/* Reads FILE as one account object or an array of them. */
static GPtrArray *
read_accounts (const char *file,
               GError    **error)
{
  g_autoptr (JsonNode) root = hd_ctl_read_json (file, error);
  g_autoptr (GPtrArray) accounts = g_ptr_array_new_with_free_func (g_object_unref);

  if (root == NULL)
    return NULL;

  if (JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *array = json_node_get_array (root);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          HdAccount *account = hd_account_new_from_json (json_array_get_element (array, i), error);

          if (account == NULL)
            {
              g_prefix_error (error, _("account %u: "), i + 1);
              return NULL;
            }
          g_ptr_array_add (accounts, account);
        }
    }
  else
    {
      HdAccount *account = hd_account_new_from_json (root, error);

      if (account == NULL)
        return NULL;
      g_ptr_array_add (accounts, account);
    }

  if (accounts->len == 0)
    {
      g_set_error (error, HD_ACCOUNT_ERROR, HD_ACCOUNT_ERROR_INVALID, _("%s: holds no account"), file);
      return NULL;
    }
  return g_steal_pointer (&accounts);
}

/* All or nothing: HdAccounts writes the accounts and the password in one
 * store batch, so that a failure anywhere leaves neither behind. */
static int
accounts_add (HdCtl *ctl,
              int    argc,
              char **argv)
{
  HdCtlFlag flags[] = { { "--password-stdin" } };
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (GError) error = NULL;
  const char *file;
  char *password = NULL;
  int status = 0;
  HdStore *store;

  store = hd_ctl_prepare (ctl, argc, argv, flags, G_N_ELEMENTS (flags), 1, 1,
                   "accounts add FILE.json [--password-stdin]", &words, &status);
  if (store == NULL)
    return status;
  file = words->pdata[0];

  if (flags[0].seen && g_str_equal (file, "-"))
    return hd_ctl_fail (HD_CTL_EXIT_USAGE,
                        _("--password-stdin needs the account in a file, not on standard input"));

  accounts = read_accounts (file, &error);
  if (accounts == NULL)
    return hd_ctl_fail_error (error);
  if (flags[0].seen && accounts->len != 1)
    return hd_ctl_fail (HD_CTL_EXIT_USAGE, _("--password-stdin takes a file with one account"));

  if (flags[0].seen)
    {
      password = hd_ctl_read_secret_stdin (&error);
      if (password == NULL)
        return hd_ctl_fail_error (error);
    }

  {
    g_autoptr (HdAccounts) pairs = hd_accounts_new (store);

    if (!hd_accounts_add_sync (pairs, accounts, password, NULL, &error))
      {
        hd_ctl_free_secret (password);
        return hd_ctl_fail_error (error);
      }
  }
  hd_ctl_free_secret (password);
  for (guint i = 0; i < accounts->len; i++)
    printf (_("Added account “%s”.\n"), hd_account_get_name (accounts->pdata[i]));
  return HD_CTL_EXIT_OK;
}

static void
print_account_text (HdAccount *account)
{
  g_autoptr (JsonNode) node = hd_account_to_json (account);
  JsonObject *root = json_node_get_object (node);
  g_autoptr (GList) members = json_object_get_members (root);

  /* "section.key: value" lines: readable, and easy to grep. */
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *member = json_object_get_member (root, l->data);
      g_autoptr (GList) inner = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (member))
        {
          g_autofree char *value = JSON_NODE_HOLDS_NULL (member) ? g_strdup ("—")
                                                                  : json_to_string (member, FALSE);
          printf ("%s: %s\n", (char *) l->data, value);
          continue;
        }
      inner = json_object_get_members (json_node_get_object (member));
      for (GList *k = inner; k != NULL; k = k->next)
        {
          JsonNode *leaf = json_object_get_member (json_node_get_object (member), k->data);
          g_autofree char *value = JSON_NODE_HOLDS_NULL (leaf) ? g_strdup ("—")
                                                                : json_to_string (leaf, FALSE);
          printf ("%s.%s: %s\n", (char *) l->data, (char *) k->data, value);
        }
    }
}

static int
accounts_show (HdCtl *ctl,
               int    argc,
               char **argv)
{
  HdCtlFlag flags[] = { { "--json" } };
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (HdAccount) account = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;
  HdStore *store;

  store = hd_ctl_prepare (ctl, argc, argv, flags, G_N_ELEMENTS (flags), 1, 1, "accounts show NAME [--json]",
                   &words, &status);
  if (store == NULL)
    return status;

  account = hd_store_lookup_account (store, words->pdata[0], &error);
  if (account == NULL)
    return hd_ctl_fail_error (error);

  if (flags[0].seen)
    {
      g_autoptr (JsonNode) node = hd_account_to_json (account);
      add_health (store, node);
      hd_ctl_print_json (node);
    }
  else
    print_account_text (account);
  return HD_CTL_EXIT_OK;
}

static int
accounts_export (HdCtl *ctl,
                 int    argc,
                 char **argv)
{
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;
  HdStore *store;

  store = hd_ctl_prepare (ctl, argc, argv, NULL, 0, 0, 1, "accounts export [NAME]", &words, &status);
  if (store == NULL)
    return status;

  if (words->len == 1)
    {
      HdAccount *account = hd_store_lookup_account (store, words->pdata[0], &error);

      if (account == NULL)
        return hd_ctl_fail_error (error);
      accounts = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (accounts, account);
    }
  else
    {
      accounts = hd_store_list_accounts (store, &error);
      if (accounts == NULL)
        return hd_ctl_fail_error (error);
    }

  node = accounts_to_json (accounts);
  hd_ctl_print_json (node);
  return HD_CTL_EXIT_OK;
}

static int
accounts_set_password (HdCtl *ctl,
                       int    argc,
                       char **argv)
{
  HdCtlFlag flags[] = { { "--password-stdin" } };
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (GError) error = NULL;
  const char *usage = "accounts set-password NAME --password-stdin";
  int status = 0;
  HdStore *store;

  store = hd_ctl_prepare (ctl, argc, argv, flags, G_N_ELEMENTS (flags), 1, 1, usage, &words, &status);
  if (store == NULL)
    return status;
  if (!flags[0].seen)
    return hd_ctl_fail (HD_CTL_EXIT_USAGE, _("usage: %s"), usage);

  if (hd_store_get_account_id (store, words->pdata[0], &error) == 0)
    return hd_ctl_fail_error (error);

  if (!hd_ctl_store_secret_stdin (store, HD_SECRET_ACCOUNT_PASSWORD, words->pdata[0], &error))
    return hd_ctl_fail_error (error);

  printf (_("Stored the password of “%s” in the keyring.\n"), (char *) words->pdata[0]);
  return HD_CTL_EXIT_OK;
}

static int
accounts_remove (HdCtl *ctl,
                 int    argc,
                 char **argv)
{
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (HdAccounts) accounts = NULL;
  int status = 0;
  HdStore *store;

  store = hd_ctl_prepare (ctl, argc, argv, NULL, 0, 1, 1, "accounts remove NAME", &words, &status);
  if (store == NULL)
    return status;

  accounts = hd_accounts_new (store);
  if (!hd_accounts_remove_sync (accounts, words->pdata[0], NULL, &error))
    return hd_ctl_fail_error (error);

  printf (_("Removed account “%s” and its secrets.\n"), (char *) words->pdata[0]);
  return HD_CTL_EXIT_OK;
}

const HdCtlCommand hd_ctl_account_commands[] = {
  { "accounts", "list", accounts_list, "accounts list [--json]" },
  { "accounts", "add", accounts_add, "accounts add FILE.json [--password-stdin]" },
  { "accounts", "show", accounts_show, "accounts show NAME [--json]" },
  { "accounts", "export", accounts_export, "accounts export [NAME]" },
  { "accounts", "set-password", accounts_set_password,
    "accounts set-password NAME --password-stdin" },
  { "accounts", "remove", accounts_remove, "accounts remove NAME" },
  { NULL },
};

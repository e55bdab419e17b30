/* hd-ctl-entities.c: helpdesk-mailctl users|customers|resources|categories|priorities …
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-ctl.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>

/* The entity is the command's own name: "users list" lists users. */
static HdEntity
entity_of (const char *command)
{
  HdEntity entity = HD_ENTITY_USERS;

  if (!hd_entity_from_string (command, &entity))
    g_assert_not_reached ();
  return entity;
}

static int
list_entity (HdCtl      *ctl,
             const char *command,
             int         argc,
             char      **argv)
{
  HdCtlFlag flags[] = { { "--json" } };
  g_autofree char *usage = g_strdup_printf ("%s list [--json]", command);
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) names = NULL;
  HdEntity entity = entity_of (command);
  int status = 0;
  HdStore *store;

  store = hd_ctl_prepare (ctl, argc, argv, flags, G_N_ELEMENTS (flags), 0, 0, usage, &words,
                          &status);
  if (store == NULL)
    return status;

  names = hd_store_list_names (store, entity, &error);
  if (names == NULL)
    return hd_ctl_fail_error (error);

  if (flags[0].seen)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();
      g_autoptr (JsonNode) node = NULL;

      json_builder_begin_array (builder);
      for (guint i = 0; names[i] != NULL; i++)
        {
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, names[i]);
          if (entity == HD_ENTITY_USERS)
            {
              g_autofree char *email = hd_store_dup_user_email (store, names[i]);

              json_builder_set_member_name (builder, "email");
              if (email != NULL)
                json_builder_add_string_value (builder, email);
              else
                json_builder_add_null_value (builder);
            }
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      node = json_builder_get_root (builder);
      hd_ctl_print_json (node);
      return HD_CTL_EXIT_OK;
    }

  for (guint i = 0; names[i] != NULL; i++)
    {
      if (entity == HD_ENTITY_USERS)
        {
          g_autofree char *email = hd_store_dup_user_email (store, names[i]);
          printf ("%s\t%s\n", names[i], email ? email : "");
        }
      else
        printf ("%s\n", names[i]);
    }
  return HD_CTL_EXIT_OK;
}

static int
add_entity (HdCtl      *ctl,
            const char *command,
            int         argc,
            char      **argv)
{
  HdEntity entity = entity_of (command);
  HdCtlFlag flags[] = { { "--email", TRUE } };
  guint n_flags = entity == HD_ENTITY_USERS ? 1 : 0;
  g_autofree char *usage = g_strdup_printf (entity == HD_ENTITY_USERS ? "%s add NAME --email ADDR"
                                                                      : "%s add NAME",
                                            command);
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;
  gint64 id;
  HdStore *store;

  store = hd_ctl_prepare (ctl, argc, argv, flags, n_flags, 1, 1, usage, &words, &status);
  if (store == NULL)
    return status;

  if (entity == HD_ENTITY_USERS)
    {
      if (flags[0].value == NULL)
        return hd_ctl_fail (HD_CTL_EXIT_USAGE, _("usage: %s"), usage);
      id = hd_store_add_user (store, words->pdata[0], flags[0].value, &error);
    }
  else
    id = hd_store_add_name (store, entity, words->pdata[0], &error);

  if (id == 0)
    {
      /* Every failure here is about what the admin typed. */
      return hd_ctl_fail (g_error_matches (error, HD_STORE_ERROR, HD_STORE_ERROR_FAILED)
                              && !g_str_has_prefix (error->message, "name:")
                              && !g_str_has_prefix (error->message, "email:")
                            ? HD_CTL_EXIT_FAILED
                            : HD_CTL_EXIT_USAGE,
                          "%s", error->message);
    }

  printf (_("Added “%s”.\n"), (char *) words->pdata[0]);
  return HD_CTL_EXIT_OK;
}

#define ENTITY_COMMANDS(name) \
  static int name##_list (HdCtl *ctl, int argc, char **argv) \
  { \
    return list_entity (ctl, #name, argc, argv); \
  } \
  static int name##_add (HdCtl *ctl, int argc, char **argv) \
  { \
    return add_entity (ctl, #name, argc, argv); \
  }

ENTITY_COMMANDS (users)
ENTITY_COMMANDS (customers)
ENTITY_COMMANDS (resources)
ENTITY_COMMANDS (categories)
ENTITY_COMMANDS (priorities)

const HdCtlCommand hd_ctl_entity_commands[] = {
  { "users", "list", users_list, "users list [--json]" },
  { "users", "add", users_add, "users add NAME --email ADDR" },
  { "customers", "list", customers_list, "customers list [--json]" },
  { "customers", "add", customers_add, "customers add NAME" },
  { "resources", "list", resources_list, "resources list [--json]" },
  { "resources", "add", resources_add, "resources add NAME" },
  { "categories", "list", categories_list, "categories list [--json]" },
  { "categories", "add", categories_add, "categories add NAME" },
  { "priorities", "list", priorities_list, "priorities list [--json]" },
  { "priorities", "add", priorities_add, "priorities add NAME" },
  { NULL },
};

/* hd-ctl-preview.c: helpdesk-mailctl preview --account NAME FILE…
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-ctl.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>

#include "hd-ingest.h"
#include "hd-message.h"

static void
print_json_line (JsonNode *node)
{
  g_autofree char *text = json_to_string (node, FALSE);
  printf ("%s\n", text);
}

/* Previews one file: one JSON line; FALSE when the file could not be read. */
static gboolean
preview_file (HdIngest   *ingest,
              HdAccount  *account,
              const char *file)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HdMessage) message = hd_message_new_from_file (file, &error);
  g_autoptr (HdIngestDecision) decision = NULL;
  g_autoptr (JsonNode) node = NULL;

  if (message != NULL)
    decision = hd_ingest_preview (ingest, message, &error);

  if (decision == NULL)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "file");
      json_builder_add_string_value (builder, file);
      json_builder_set_member_name (builder, "error");
      json_builder_add_string_value (builder, error->message);
      json_builder_end_object (builder);
      node = json_builder_get_root (builder);
      print_json_line (node);
      return FALSE;
    }

  node = hd_ingest_preview_to_json (file, message, account, decision);
  print_json_line (node);
  return TRUE;
}

static int
preview (HdCtl *ctl,
         int    argc,
         char **argv)
{
  HdCtlFlag flags[] = { { "--account", TRUE } };
  const char *usage = "preview --account NAME FILE…";
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (HdAccount) account = NULL;
  g_autoptr (HdIngest) ingest = NULL;
  g_autoptr (GError) error = NULL;
  gboolean all_read = TRUE;
  int status = 0;
  HdStore *store;

  store = hd_ctl_prepare (ctl, argc, argv, flags, G_N_ELEMENTS (flags), 1, G_MAXUINT, usage,
                          &words, &status);
  if (store == NULL)
    return status;
  if (flags[0].value == NULL)
    return hd_ctl_fail (HD_CTL_EXIT_USAGE, _("usage: %s"), usage);

  account = hd_store_lookup_account (store, flags[0].value, &error);
  if (account == NULL)
    return hd_ctl_fail_error (error);

  /* The same rules as a poll's, as for "the next run"; hd_ingest_preview()
   * only reads: a preview changes nothing. */
  ingest = hd_ingest_new (store, account, G_MAXINT64, &error);
  if (ingest == NULL)
    return hd_ctl_fail_error (error);
  for (guint i = 0; i < words->len; i++)
    all_read &= preview_file (ingest, account, words->pdata[i]);

  return all_read ? HD_CTL_EXIT_OK : HD_CTL_EXIT_USAGE;
}

const HdCtlCommand hd_ctl_preview_commands[] = {
  { "preview", NULL, preview, "preview --account NAME FILE…" },
  { NULL },
};

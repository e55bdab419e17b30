/* hd-ctl-tickets.c: helpdesk-mailctl tickets …, log, settings …
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-ctl.h"

#include <glib/gi18n-lib.h>
/* PRId64: xgettext reads it in a translatable string, G_GINT64_FORMAT it cannot. */
#include <inttypes.h>
#include <errno.h>
#include <gio/gunixinputstream.h>
#include <stdio.h>

#include "hd-ingest.h"
#include "hd-secrets.h"
#include "hd-ticket-reply.h"
#include "hd-settings.h"
#include "hd-store-attachments.h"
#include "hd-store-polls.h"
#include "hd-store-tickets.h"

static const char *
member_or_dash (JsonObject *object,
                const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return "—";
  return json_node_get_string (node);
}

static int
tickets_list (HdCtl *ctl,
              int    argc,
              char **argv)
{
  HdCtlFlag flags[] = { { "--json" } };
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;
  int status = 0;
  JsonArray *array;
  HdStore *store;

  store = hd_ctl_prepare (ctl, argc, argv, flags, G_N_ELEMENTS (flags), 0, 0,
                          "tickets list [--json]", &words, &status);
  if (store == NULL)
    return status;

  node = hd_store_tickets_to_json (store, &error);
  if (node == NULL)
    return hd_ctl_fail_error (error);
  if (flags[0].seen)
    {
      hd_ctl_print_json (node);
      return HD_CTL_EXIT_OK;
    }

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *t = json_array_get_object_element (array, i);

      printf ("%" G_GINT64_FORMAT "\t%s\t%s\t%s\t%s\n", json_object_get_int_member (t, "id"),
              member_or_dash (t, "reference"), member_or_dash (t, "user"),
              member_or_dash (t, "created"), member_or_dash (t, "subject"));
    }
  return HD_CTL_EXIT_OK;
}

static int
tickets_show (HdCtl *ctl,
              int    argc,
              char **argv)
{
  HdCtlFlag flags[] = { { "--json" } };
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;
  guint64 id;
  int status = 0;
  JsonObject *t;
  JsonArray *steps;
  HdStore *store;

  store = hd_ctl_prepare (ctl, argc, argv, flags, G_N_ELEMENTS (flags), 1, 1,
                          "tickets show ID [--json]", &words, &status);
  if (store == NULL)
    return status;
  if (!g_ascii_string_to_unsigned (words->pdata[0], 10, 1, G_MAXINT64, &id, NULL))
    return hd_ctl_fail (HD_CTL_EXIT_USAGE, _("ID: “%s” is not a ticket number"),
                        (char *) words->pdata[0]);

  node = hd_store_ticket_to_json (store, id, &error);
  if (node == NULL)
    return hd_ctl_fail_error (error);
  if (flags[0].seen)
    {
      hd_ctl_print_json (node);
      return HD_CTL_EXIT_OK;
    }

  t = json_node_get_object (node);
  printf ("%s %s\n", member_or_dash (t, "reference"), member_or_dash (t, "subject"));
  printf (_("User: %s  Customer: %s  Priority: %s\n"), member_or_dash (t, "user"),
          member_or_dash (t, "customer"), member_or_dash (t, "priority"));
  steps = json_object_get_array_member (t, "steps");
  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      JsonObject *s = json_array_get_object_element (steps, i);
      JsonArray *attachments = json_object_get_array_member (s, "attachments");

      gboolean out = g_strcmp0 (member_or_dash (s, "direction"), "out") == 0;
      JsonNode *undeliverable = json_object_get_member (s, "undeliverable");

      /* Translators: a step of a ticket: "in" or "out", the sender, the date. */
      printf (_("\n— %s: %s, %s\n"), out ? _("out") : _("in"), member_or_dash (s, "from"),
              member_or_dash (s, "date"));
      if (undeliverable != NULL && json_node_get_boolean (undeliverable))
        printf (_("[undeliverable] %s: %s\n"), member_or_dash (s, "failed_recipient"),
                member_or_dash (s, "delivery_status"));
      printf ("%s\n", member_or_dash (s, "text"));
      for (guint k = 0; k < json_array_get_length (attachments); k++)
        {
          JsonObject *a = json_array_get_object_element (attachments, k);
          /* Translators: an attachment's id (for "tickets attachment ID"), its
           * file name, type and size. */
          printf (_("[attachment %" PRId64 "] %s (%s, %" PRId64 " bytes)\n"),
                  json_object_get_int_member (a, "id"), member_or_dash (a, "filename"),
                  member_or_dash (a, "content_type"), json_object_get_int_member (a, "size"));
        }
    }
  return HD_CTL_EXIT_OK;
}

static int
tickets_attachment (HdCtl *ctl,
                    int    argc,
                    char **argv)
{
  HdCtlFlag flags[] = { { "--output", TRUE } };
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) content = NULL;
  guint64 id;
  int status = 0;
  HdStore *store;

  store = hd_ctl_prepare (ctl, argc, argv, flags, G_N_ELEMENTS (flags), 1, 1,
                          "tickets attachment ID [--output FILE]", &words, &status);
  if (store == NULL)
    return status;
  if (!g_ascii_string_to_unsigned (words->pdata[0], 10, 1, G_MAXINT64, &id, NULL))
    return hd_ctl_fail (HD_CTL_EXIT_USAGE, _("ID: “%s” is not an attachment number"),
                        (char *) words->pdata[0]);

  content = hd_store_read_attachment_sync (store, id, NULL, &error);
  if (content == NULL)
    return hd_ctl_fail_error (error);

  if (flags[0].seen)
    {
      g_autoptr (GFile) file = g_file_new_for_commandline_arg (flags[0].value);

      if (!g_file_replace_contents (file, g_bytes_get_data (content, NULL),
                                    g_bytes_get_size (content), NULL, FALSE,
                                    G_FILE_CREATE_NONE, NULL, NULL, &error))
        return hd_ctl_fail (HD_CTL_EXIT_FAILED, _("Could not write the attachment: %s"),
                            error->message);
      return HD_CTL_EXIT_OK;
    }
  if (fwrite (g_bytes_get_data (content, NULL), 1, g_bytes_get_size (content), stdout)
        != g_bytes_get_size (content)
      || fflush (stdout) != 0)
    return hd_ctl_fail (HD_CTL_EXIT_FAILED, _("Could not write the attachment: %s"),
                        g_strerror (errno));
  return HD_CTL_EXIT_OK;
}

static char *
read_text (const char *file,
           GError    **error)
{
  g_autoptr (GInputStream) input = NULL;
  g_autoptr (GOutputStream) memory = g_memory_output_stream_new_resizable ();

  if (g_str_equal (file, "-"))
    input = g_unix_input_stream_new (0, FALSE);
  else
    {
      g_autoptr (GFile) gfile = g_file_new_for_commandline_arg (file);

      input = G_INPUT_STREAM (g_file_read (gfile, NULL, error));
      if (input == NULL)
        return NULL;
    }
  if (g_output_stream_splice (memory, input, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL,
                              error) < 0)
    return NULL;
  /* An empty stream has no data at all, and an empty text is the sender's
   * to refuse. */
  if (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (memory)) == 0)
    return g_strdup ("");
  return g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (memory)),
                    g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (memory)));
}

static int
tickets_reply (HdCtl *ctl,
               int    argc,
               char **argv)
{
  HdCtlFlag flags[] = { { "--from", TRUE }, { "--cc", TRUE }, { "--text-file", TRUE } };
  const char *usage = "tickets reply ID [--from ACCOUNT] [--cc ADDR] --text-file FILE|-";
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (HdTicketReply) reply = NULL;
  g_autofree char *sender = NULL;
  guint64 id;
  gint64 step_id;
  int status = 0;
  HdStore *store;

  store = hd_ctl_prepare (ctl, argc, argv, flags, G_N_ELEMENTS (flags), 1, 1, usage, &words,
                          &status);
  if (store == NULL)
    return status;
  if (!flags[2].seen)
    return hd_ctl_fail (HD_CTL_EXIT_USAGE, _("usage: %s"), usage);
  if (!g_ascii_string_to_unsigned (words->pdata[0], 10, 1, G_MAXINT64, &id, NULL))
    return hd_ctl_fail (HD_CTL_EXIT_USAGE, _("ID: “%s” is not a ticket number"),
                        (char *) words->pdata[0]);

  reply = hd_ticket_reply_new (store, id, flags[0].value, &error);
  if (reply == NULL)
    return error->domain == HD_TICKET_REPLY_ERROR
             ? hd_ctl_fail (HD_CTL_EXIT_USAGE, "%s", error->message)
             : hd_ctl_fail_error (error);
  if (flags[1].seen)
    {
      reply->cc = g_strsplit (flags[1].value, ",", -1);
      for (guint i = 0; reply->cc[i] != NULL; i++)
        g_strstrip (reply->cc[i]);
    }
  g_free (reply->text);
  reply->text = read_text (flags[2].value, &error);
  if (reply->text == NULL)
    return hd_ctl_fail (HD_CTL_EXIT_USAGE, "%s", error->message);

  step_id = hd_ticket_reply_send_sync (reply, store, NULL, &error);
  if (step_id == 0)
    return error->domain == HD_TICKET_REPLY_ERROR
             ? hd_ctl_fail (HD_CTL_EXIT_USAGE, "%s", error->message)
             : hd_ctl_fail_error (error);
  sender = hd_ticket_reply_dup_sender (reply);
  /* Translators: ticket number, the sender "Alias <address>", the recipient. */
  printf (_("Sent for ticket %" PRId64 " as %s to %s.\n"), (gint64) id, sender, reply->to);
  return HD_CTL_EXIT_OK;
}

static int
poll_log (HdCtl *ctl,
          int    argc,
          char **argv)
{
  HdCtlFlag flags[] = { { "--json" } };
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;
  const char *account = NULL;
  int status = 0;
  JsonArray *runs;
  HdStore *store;

  store = hd_ctl_prepare (ctl, argc, argv, flags, G_N_ELEMENTS (flags), 0, 1,
                          "log [NAME] [--json]", &words, &status);
  if (store == NULL)
    return status;
  if (words->len == 1)
    {
      account = words->pdata[0];
      if (hd_store_get_account_id (store, account, &error) == 0)
        return hd_ctl_fail_error (error);
    }

  node = hd_store_poll_log_to_json (store, account, &error);
  if (node == NULL)
    return hd_ctl_fail_error (error);
  if (flags[0].seen)
    {
      hd_ctl_print_json (node);
      return HD_CTL_EXIT_OK;
    }

  runs = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (runs); i++)
    {
      JsonObject *r = json_array_get_object_element (runs, i);
      JsonArray *events = json_object_get_array_member (r, "events");

      printf (_("%s  %s  %s: %" PRId64 " listed, %" PRId64 " imported, %"
                PRId64 " skipped, %" PRId64 " failed, %" PRId64
                " deleted\n"),
              member_or_dash (r, "started"), member_or_dash (r, "account"),
              member_or_dash (r, "status"), json_object_get_int_member (r, "listed"),
              json_object_get_int_member (r, "imported"), json_object_get_int_member (r, "skipped"),
              json_object_get_int_member (r, "failed"), json_object_get_int_member (r, "deleted"));
      if (!JSON_NODE_HOLDS_NULL (json_object_get_member (r, "error")))
        printf ("  %s\n", member_or_dash (r, "error"));
      for (guint k = 0; k < json_array_get_length (events); k++)
        {
          JsonObject *e = json_array_get_object_element (events, k);
          JsonNode *made = json_object_get_member (e, "made_ticket");
          JsonNode *raw = json_object_get_member (e, "raw_size");

          printf ("  %s  %s  %s: %s\n", member_or_dash (e, "action"),
                  member_or_dash (e, "from"), member_or_dash (e, "subject"),
                  member_or_dash (e, "reason"));
          if (made != NULL && !JSON_NODE_HOLDS_NULL (made))
            printf (_("    made into ticket %" PRId64 "\n"), json_node_get_int (made));
          else if (raw != NULL && !JSON_NODE_HOLDS_NULL (raw))
            printf (_("    a copy is kept: helpdesk-mailctl log import %" PRId64 " %s\n"),
                    json_object_get_int_member (r, "id"), member_or_dash (e, "server_key"));
        }
    }
  return HD_CTL_EXIT_OK;
}

static int
log_import (HdCtl *ctl,
            int    argc,
            char **argv)
{
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *reason = NULL;
  guint64 run_id;
  gint64 ticket_id;
  int status = 0;
  HdStore *store;

  store = hd_ctl_prepare (ctl, argc, argv, NULL, 0, 2, 2, "log import RUN-ID SERVER-KEY", &words,
                          &status);
  if (store == NULL)
    return status;
  if (!g_ascii_string_to_unsigned (words->pdata[0], 10, 1, G_MAXINT64, &run_id, NULL))
    return hd_ctl_fail (HD_CTL_EXIT_USAGE, _("RUN-ID: “%s” is not a poll run number"),
                        (char *) words->pdata[0]);

  ticket_id = hd_ingest_make_ticket_from_log (store, run_id, words->pdata[1], &reason, &error);
  if (ticket_id == 0)
    return hd_ctl_fail_error (error);
  printf (_("Ticket %" PRId64 ": %s\n"), ticket_id, reason);
  return HD_CTL_EXIT_OK;
}

static int
settings_show (HdCtl *ctl,
               int    argc,
               char **argv)
{
  HdCtlFlag flags[] = { { "--json" } };
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;
  const char *const *keys = hd_settings_get_keys ();
  int status = 0;
  HdStore *store;

  store = hd_ctl_prepare (ctl, argc, argv, flags, G_N_ELEMENTS (flags), 0, 0,
                          "settings show [--json]", &words, &status);
  if (store == NULL)
    return status;

  json_builder_begin_object (builder);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autofree char *value = hd_store_dup_setting (store, keys[i]);

      if (!flags[0].seen)
        printf ("%s = %s\n", keys[i], value ? value : "");
      json_builder_set_member_name (builder, keys[i]);
      json_builder_add_string_value (builder, value ? value : "");
    }
  json_builder_end_object (builder);

  if (flags[0].seen)
    {
      node = json_builder_get_root (builder);
      hd_ctl_print_json (node);
    }
  return HD_CTL_EXIT_OK;
}

static int
settings_set (HdCtl *ctl,
              int    argc,
              char **argv)
{
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;
  HdStore *store;

  store = hd_ctl_prepare (ctl, argc, argv, NULL, 0, 2, 2, "settings set KEY VALUE", &words,
                          &status);
  if (store == NULL)
    return status;

  if (!hd_settings_validate (words->pdata[0], words->pdata[1], &error)
      || !hd_store_set_setting (store, words->pdata[0], words->pdata[1], &error))
    return hd_ctl_fail_error (error);
  return HD_CTL_EXIT_OK;
}

static int
settings_set_smtp_password (HdCtl *ctl,
                            int    argc,
                            char **argv)
{
  HdCtlFlag flags[] = { { "--password-stdin" } };
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (GError) error = NULL;
  const char *usage = "settings set-smtp-password --password-stdin";
  int status = 0;
  HdStore *store;

  store = hd_ctl_prepare (ctl, argc, argv, flags, G_N_ELEMENTS (flags), 0, 0, usage, &words,
                          &status);
  if (store == NULL)
    return status;
  if (!flags[0].seen)
    return hd_ctl_fail (HD_CTL_EXIT_USAGE, _("usage: %s"), usage);

  if (!hd_ctl_store_secret_stdin (store, HD_SECRET_SMTP_PASSWORD, "smtp", &error))
    return hd_ctl_fail_error (error);
  printf ("%s", _("Stored the SMTP password in the keyring.\n"));
  return HD_CTL_EXIT_OK;
}

const HdCtlCommand hd_ctl_ticket_commands[] = {
  { "tickets", "list", tickets_list, "tickets list [--json]" },
  { "tickets", "show", tickets_show, "tickets show ID [--json]" },
  { "tickets", "attachment", tickets_attachment, "tickets attachment ID [--output FILE]" },
  { "tickets", "reply", tickets_reply,
    "tickets reply ID [--from ACCOUNT] [--cc ADDR] --text-file FILE|-" },
  /* Before "log [NAME]", which would take "import" for an account name. */
  { "log", "import", log_import, "log import RUN-ID SERVER-KEY" },
  { "log", NULL, poll_log, "log [NAME] [--json]" },
  { "settings", "show", settings_show, "settings show [--json]" },
  { "settings", "set", settings_set, "settings set KEY VALUE" },
  { "settings", "set-smtp-password", settings_set_smtp_password,
    "settings set-smtp-password --password-stdin" },
  { NULL },
};

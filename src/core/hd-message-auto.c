/* hd-message-auto.c: whether a message was sent by a program and so must
 * never be answered automatically.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-message.h"
#include "hd-message-private.h"

#include <glib/gi18n-lib.h>
#include <string.h>

/* Returns the first token of a header value such as "auto-replied; x=y". */
static char *
first_token (const char *value)
{
  gsize length = strcspn (value, " \t;(,");

  return g_ascii_strdown (value, length);
}

static gboolean
has_list_token (const char *value,
                const char *token)
{
  g_auto(GStrv) items = g_strsplit_set (value, ",; \t", -1);

  for (guint i = 0; items[i] != NULL; i++)
    if (g_ascii_strcasecmp (items[i], token) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
is_robot_local_part (const char *address)
{
  static const char * const robots[] = {
    "mailer-daemon", "postmaster", "noreply", "no-reply", "no_reply",
    "donotreply", "do-not-reply", "do_not_reply", NULL
  };
  const char *at = strrchr (address, '@');
  g_autofree char *local = g_ascii_strdown (address, at != NULL ? at - address : -1);
  char *plus = strchr (local, '+');

  /* "noreply+bounce-123@…" is still noreply. */
  if (plus != NULL)
    *plus = '\0';
  return g_strv_contains (robots, local);
}

/**
 * hd_message_is_auto_generated:
 * @self: a #HdMessage
 * @reason: (out) (optional) (transfer full): why, in words, when it is
 *
 * Decides whether the mail was sent by a program, so that it must never be
 * answered automatically (RFC 3834 and the conventions around it):
 * Auto-Submitted other than "no"; Precedence bulk, junk, list or auto_reply;
 * X-Autoreply other than "no"; a List-Id;
 * X-Auto-Response-Suppress with AutoReply or All; the null Return-Path
 * `<>`; a sender whose local part is mailer-daemon, postmaster or a no-reply
 * variant.
 *
 * Returns: %TRUE when the mail is automatic
 */
gboolean
hd_message_is_auto_generated (HdMessage *self,
                              char     **reason)
{
  char *why = NULL;
  gboolean result;

  g_return_val_if_fail (HD_IS_MESSAGE (self), FALSE);

  if (self->auto_submitted != NULL && *self->auto_submitted != '\0')
    {
      g_autofree char *token = first_token (self->auto_submitted);

      if (strcmp (token, "no") != 0)
        why = g_strdup_printf (_("Auto-Submitted is “%s”"), self->auto_submitted);
    }

  if (why == NULL && self->precedence != NULL)
    {
      g_autofree char *token = first_token (self->precedence);

      if (strcmp (token, "bulk") == 0 || strcmp (token, "junk") == 0
          || strcmp (token, "list") == 0 || strcmp (token, "auto_reply") == 0)
        why = g_strdup_printf (_("Precedence is “%s”"), self->precedence);
    }

  /* X-Autoreply: yes is what many vacation programs send instead of
   * Auto-Submitted. */
  if (why == NULL && self->x_autoreply != NULL && *self->x_autoreply != '\0')
    {
      g_autofree char *token = first_token (self->x_autoreply);

      if (strcmp (token, "no") != 0)
        why = g_strdup_printf (_("X-Autoreply is “%s”"), self->x_autoreply);
    }

  if (why == NULL && self->list_id != NULL)
    why = g_strdup_printf (_("it came from a mailing list (List-Id “%s”)"), self->list_id);

  if (why == NULL && self->x_auto_response_suppress != NULL
      && (has_list_token (self->x_auto_response_suppress, "AutoReply")
          || has_list_token (self->x_auto_response_suppress, "All")))
    why = g_strdup_printf (_("X-Auto-Response-Suppress is “%s”"),
                           self->x_auto_response_suppress);

  if (why == NULL && self->empty_return_path)
    why = g_strdup (_("the Return-Path is empty (<>), as on bounces"));

  if (why == NULL && self->sender_address != NULL && is_robot_local_part (self->sender_address))
    why = g_strdup_printf (_("the sender %s is an automatic address"), self->sender_address);

  result = why != NULL;
  if (reason != NULL)
    *reason = why;
  else
    g_free (why);

  return result;
}

/* hd-message-repair.c: repairing HdMessage's broken multiparts: a body that
 * uses another boundary than the one declared, or declares none.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-message-private.h"

#include <glib/gi18n-lib.h>
#include <gmime/gmime.h>
#include <string.h>

/* GMime 3.2 ships no g_autoptr support; these are the types we clean up. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeParser, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeObject, g_object_unref)

/* Repairing broken multiparts -------------------------------------------- */

static gboolean
is_boundary_text (const char *text,
                  gsize       length)
{
  if (length == 0 || length > 200)
    return FALSE;

  /* RFC 2046 bchars; anything else would not survive quoting either. */
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (text[i]) && strchr ("'()+_,-./:=? ", text[i]) == NULL)
      return FALSE;

  return TRUE;
}

/* Finds the boundary that a multipart's body really uses, when it differs
 * from the declared one (or none was declared): a "--x" line that occurs
 * again later (as "--x" or "--x--"), or a lone one followed by a
 * Content- header. */
static char *
guess_boundary (const char *body)
{
  g_auto(GStrv) lines = g_strsplit (body != NULL ? body : "", "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *candidate = NULL;
      gsize length;

      g_strchomp (lines[i]);
      if (!g_str_has_prefix (lines[i], "--"))
        continue;

      candidate = g_strdup (lines[i] + 2);
      length = strlen (candidate);
      if (length > 2 && g_str_has_suffix (candidate, "--"))
        candidate[length - 2] = '\0';
      if (!is_boundary_text (candidate, strlen (candidate)))
        continue;

      for (guint k = i + 1; lines[k] != NULL; k++)
        {
          g_autofree char *start = g_strconcat ("--", candidate, NULL);
          g_autofree char *end = g_strconcat ("--", candidate, "--", NULL);
          g_autofree char *line = g_strchomp (g_strdup (lines[k]));

          if (strcmp (line, start) == 0 || strcmp (line, end) == 0)
            return g_steal_pointer (&candidate);
        }

      if (lines[i + 1] != NULL && g_ascii_strncasecmp (lines[i + 1], "Content-", 8) == 0)
        return g_steal_pointer (&candidate);
    }

  return NULL;
}

static void
repair_multipart (HdMessage      *self,
                  GMimeMultipart *multipart)
{
  const char *prologue = g_mime_multipart_get_prologue (multipart);
  g_autofree char *boundary = NULL;
  g_autofree char *header = NULL;
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeObject) reparsed = NULL;
  const char *subtype;
  int n;

  if (prologue == NULL || (boundary = guess_boundary (prologue)) == NULL)
    return;

  subtype = g_mime_content_type_get_media_subtype (
    g_mime_object_get_content_type (GMIME_OBJECT (multipart)));
  header = g_strdup_printf ("Content-Type: multipart/%s; boundary=\"%s\"\n\n",
                            subtype != NULL ? subtype : "mixed", boundary);

  stream = g_mime_stream_mem_new ();
  g_mime_stream_write_string (stream, header);
  g_mime_stream_write_string (stream, prologue);
  g_mime_stream_reset (stream);

  parser = g_mime_parser_new_with_stream (stream);
  reparsed = g_mime_parser_construct_part (parser, self->options);
  if (reparsed == NULL || !GMIME_IS_MULTIPART (reparsed))
    return;

  n = g_mime_multipart_get_count (GMIME_MULTIPART (reparsed));
  if (n == 0)
    return;

  for (int i = 0; i < n; i++)
    g_mime_multipart_add (multipart, g_mime_multipart_get_part (GMIME_MULTIPART (reparsed), i));
  g_mime_multipart_set_prologue (multipart, NULL);
  hd_message_add_warning (self, _("A multipart boundary did not match its declaration; the parts were recovered"));
}

/**
 * hd_message_repair_tree:
 * @self: the message being parsed
 * @object: a part of its MIME tree
 * @depth: how deep @object is nested
 *
 * Recovers the parts of each multipart below @object whose declared boundary
 * is not the one its body uses, with a warning.
 */
void
hd_message_repair_tree (HdMessage   *self,
                        GMimeObject *object,
                        guint        depth)
{
  GMimeMultipart *multipart;
  int n;

  if (depth > HD_MESSAGE_DEPTH_MAX || !GMIME_IS_MULTIPART (object))
    return;

  multipart = GMIME_MULTIPART (object);
  n = g_mime_multipart_get_count (multipart);
  if (n == 0)
    {
      repair_multipart (self, multipart);
      return;
    }
  for (int i = 0; i < n; i++)
    hd_message_repair_tree (self, g_mime_multipart_get_part (multipart, i), depth + 1);
}

/* hd-auto-answer-templates.c: the auto-answer templates: where they are
 * found ($HELPDESK_MAIL_TEMPLATE_DIR, the user's folder, the built-in
 * `default`), how a file is read, and the list of names.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-auto-answer-private.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "hd-templates-resources.h"

/* Templates -------------------------------------------------------------- */

/* A template name becomes a file name, so it must not be able to leave the
 * template directory; dots separate the language from the name. */
static gboolean
is_template_name (const char *name)
{
  if (name == NULL || *name == '\0')
    return FALSE;
  for (const char *p = name; *p; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
        return FALSE;
    }
  return TRUE;
}

static char *
user_template_dir (void)
{
  return g_build_filename (g_get_user_config_dir (), "helpdesk-mail", "templates", NULL);
}

/* The places templates come from, most specific first: the tests' directory,
 * the user's directory, then the built-in ones (dir NULL). */
static GPtrArray *
template_dirs (void)
{
  GPtrArray *dirs = g_ptr_array_new_with_free_func (g_free);
  const char *env_dir = g_getenv ("HELPDESK_MAIL_TEMPLATE_DIR");

  if (env_dir != NULL && *env_dir != '\0')
    g_ptr_array_add (dirs, g_strdup (env_dir));
  g_ptr_array_add (dirs, user_template_dir ());
  g_ptr_array_add (dirs, NULL);
  return dirs;
}

/* Returns FALSE without an error when the file does not exist. */
static gboolean
read_template_file (const char *dir,
                    const char *filename,
                    GBytes    **out_bytes,
                    char      **out_origin,
                    GError    **error)
{
  g_autoptr (GError) local_error = NULL;

  if (dir == NULL)
    {
      g_autofree char *path = g_strconcat (HD_AUTO_ANSWER_TEMPLATE_RESOURCE "/", filename, NULL);

      *out_bytes = g_resource_lookup_data (hd_templates_get_resource (), path,
                                           G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      if (*out_bytes == NULL)
        return FALSE;
      *out_origin = g_strconcat ("resource://", path, NULL);
      return TRUE;
    }
  else
    {
      g_autofree char *path = g_build_filename (dir, filename, NULL);
      char *contents = NULL;
      gsize length = 0;

      if (!g_file_get_contents (path, &contents, &length, &local_error))
        {
          if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return FALSE;
          g_set_error (error, HD_AUTO_ANSWER_ERROR, HD_AUTO_ANSWER_ERROR_BAD_TEMPLATE,
                       _("The template %s cannot be read: %s"), path, local_error->message);
          return FALSE;
        }
      *out_bytes = g_bytes_new_take (contents, length);
      *out_origin = g_steal_pointer (&path);
      return TRUE;
    }
}

static gboolean
parse_template (GBytes     *bytes,
                const char *origin,
                char      **out_subject,
                char      **out_body,
                GError    **error)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (bytes, &length);
  g_autofree char *text = NULL;
  g_autofree char *subject = NULL;
  const char *line_end;
  const char *rest;
  GString *body;

  if (!g_utf8_validate_len (data, length, NULL) || memchr (data, '\0', length) != NULL)
    {
      g_set_error (error, HD_AUTO_ANSWER_ERROR, HD_AUTO_ANSWER_ERROR_BAD_TEMPLATE,
                   _("The template %s is not UTF-8 text"), origin);
      return FALSE;
    }
  text = g_strndup (data, length);
  rest = text;
  /* Editors on Windows start UTF-8 files with a byte order mark. */
  if (g_str_has_prefix (rest, "\xEF\xBB\xBF"))
    rest += 3;

  if (g_ascii_strncasecmp (rest, "Subject:", strlen ("Subject:")) != 0)
    {
      g_set_error (error, HD_AUTO_ANSWER_ERROR, HD_AUTO_ANSWER_ERROR_BAD_TEMPLATE,
                   _("The template %s does not start with a “Subject:” line"), origin);
      return FALSE;
    }
  line_end = strchr (rest, '\n');
  subject = line_end ? g_strndup (rest + strlen ("Subject:"), line_end - rest - strlen ("Subject:"))
                     : g_strdup (rest + strlen ("Subject:"));
  g_strstrip (subject);
  rest = line_end ? line_end + 1 : rest + strlen (rest);

  if (*rest == '\r')
    rest++;
  if (*rest == '\n')
    rest++;
  else if (*rest != '\0')
    {
      g_set_error (error, HD_AUTO_ANSWER_ERROR, HD_AUTO_ANSWER_ERROR_BAD_TEMPLATE,
                   _("In the template %s, the “Subject:” line must be followed by a blank line"),
                   origin);
      return FALSE;
    }

  /* Line ends become LF here; the mail is written with CRLF at the end. */
  body = g_string_new (rest);
  g_string_replace (body, "\r\n", "\n", 0);

  *out_subject = g_steal_pointer (&subject);
  *out_body = g_string_free (body, FALSE);
  return TRUE;
}

/**
 * hd_auto_answer_load_template:
 * @name: a template name such as `default`
 * @out_subject: (out): the subject line, {fields} not yet filled in
 * @out_body: (out): the body, with LF line ends
 * @out_origin: (out) (optional): the file or resource it came from
 *
 * Finds the template in the first place that has it at all (the directory of
 * `HELPDESK_MAIL_TEMPLATE_DIR`, the user's templates, the built-in ones), so
 * that a user's `default.txt` replaces the built-in `default` in every
 * language. There the first language of g_get_language_names() with a
 * NAME.LANG.txt wins, else NAME.txt.
 */
gboolean
hd_auto_answer_load_template (const char *name,
                              char      **out_subject,
                              char      **out_body,
                              char      **out_origin,
                              GError    **error)
{
  g_autoptr (GPtrArray) dirs = NULL;
  const char *const *languages = g_get_language_names ();

  g_return_val_if_fail (out_subject != NULL && out_body != NULL, FALSE);

  if (!is_template_name (name))
    {
      g_set_error (error, HD_AUTO_ANSWER_ERROR, HD_AUTO_ANSWER_ERROR_NO_TEMPLATE,
                   _("“%s” is not a template name: use letters, digits, “-” and “_”"),
                   name ? name : "");
      return FALSE;
    }

  dirs = template_dirs ();
  for (guint i = 0; i < dirs->len; i++)
    {
      const char *dir = dirs->pdata[i];
      g_autoptr (GBytes) bytes = NULL;
      g_autofree char *origin = NULL;
      gboolean found = FALSE;

      for (guint l = 0; !found && languages[l] != NULL; l++)
        {
          g_autofree char *filename = NULL;

          if (g_str_equal (languages[l], "C") || g_str_equal (languages[l], "POSIX")
              || strchr (languages[l], '/') != NULL)
            continue;
          filename = g_strdup_printf ("%s.%s.txt", name, languages[l]);
          found = read_template_file (dir, filename, &bytes, &origin, error);
          if (!found && error != NULL && *error != NULL)
            return FALSE;
        }
      if (!found)
        {
          g_autofree char *filename = g_strdup_printf ("%s.txt", name);

          found = read_template_file (dir, filename, &bytes, &origin, error);
          if (!found && error != NULL && *error != NULL)
            return FALSE;
        }
      if (found)
        {
          if (!parse_template (bytes, origin, out_subject, out_body, error))
            return FALSE;
          if (out_origin != NULL)
            *out_origin = g_steal_pointer (&origin);
          return TRUE;
        }
    }

  g_set_error (error, HD_AUTO_ANSWER_ERROR, HD_AUTO_ANSWER_ERROR_NO_TEMPLATE,
               _("There is no auto-answer template “%s”"), name);
  return FALSE;
}

static void
add_template_name (GHashTable *names,
                   const char *filename)
{
  g_autofree char *name = NULL;
  const char *dot;

  if (!g_str_has_suffix (filename, ".txt"))
    return;
  dot = strchr (filename, '.');
  name = g_strndup (filename, dot - filename);
  if (is_template_name (name))
    g_hash_table_add (names, g_steal_pointer (&name));
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_utf8_collate (*(const char *const *) a, *(const char *const *) b);
}

/**
 * hd_auto_answer_list_templates:
 *
 * Returns: (transfer full): the names of all templates, built-in and the
 *   user's, sorted, each once; `default` is always among them
 */
GStrv
hd_auto_answer_list_templates (void)
{
  g_autoptr (GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) dirs = template_dirs ();
  g_autoptr (GPtrArray) sorted = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer name;

  for (guint i = 0; i < dirs->len; i++)
    {
      const char *dir_path = dirs->pdata[i];

      if (dir_path == NULL)
        {
          g_auto (GStrv) children = g_resource_enumerate_children (hd_templates_get_resource (),
                                                                   HD_AUTO_ANSWER_TEMPLATE_RESOURCE,
                                                                   G_RESOURCE_LOOKUP_FLAGS_NONE,
                                                                   NULL);

          for (guint c = 0; children != NULL && children[c] != NULL; c++)
            add_template_name (names, children[c]);
        }
      else
        {
          g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
          const char *filename;

          while (dir != NULL && (filename = g_dir_read_name (dir)) != NULL)
            add_template_name (names, filename);
        }
    }

  g_hash_table_iter_init (&iter, names);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    g_ptr_array_add (sorted, g_strdup (name));
  g_ptr_array_sort (sorted, compare_names);
  g_ptr_array_add (sorted, NULL);
  return (GStrv) g_ptr_array_steal (sorted, NULL);
}


/* hd-auto-answer.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-auto-answer.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <gmime/gmime.h>
#include <string.h>

#include "hd-auto-answer-private.h"
#include "hd-curl-session.h"
#include "hd-message-private.h"
#include "hd-random.h"
#include "hd-secrets.h"
#include "hd-smtp-sender.h"
#include "hd-store-polls.h"
#include "hd-store-tickets.h"
#include "hd-templates-resources.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeMessage, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeTextPart, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeDataWrapper, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (InternetAddress, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeFormatOptions, g_mime_format_options_free)

G_DEFINE_QUARK (hd-auto-answer-error-quark, hd_auto_answer_error)

/* A References header with a whole long thread in it grows without bound;
 * RFC 5322 allows trimming it as long as the first and the last ids stay. */
#define MAX_REFERENCES 20

/* Setup ------------------------------------------------------------------ */

static void
ensure_libraries (void)
{
  /* GMime is set up once, with the parser options of HdMessage. */
  hd_message_ensure_gmime ();
}

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

/* Rendering -------------------------------------------------------------- */

/**
 * hd_auto_answer_expand:
 * @text: a template text
 * @values: template field names (without braces) to their values
 *
 * Returns: (transfer full): @text with every `{name}` of @values replaced;
 *   other braces are left as they are, so that a template may show them
 */
char *
hd_auto_answer_expand (const char *text,
                       GHashTable *values)
{
  GString *out = g_string_sized_new (strlen (text) + 64);
  const char *p = text;

  while (*p != '\0')
    {
      const char *brace = strchr (p, '{');
      const char *end;
      g_autofree char *key = NULL;
      const char *value;

      if (brace == NULL)
        {
          g_string_append (out, p);
          break;
        }
      g_string_append_len (out, p, brace - p);

      end = brace + 1;
      while (g_ascii_islower (*end) || *end == '_')
        end++;
      key = g_strndup (brace + 1, end - brace - 1);
      value = *end == '}' ? g_hash_table_lookup (values, key) : NULL;
      if (value != NULL)
        {
          g_string_append (out, value);
          p = end + 1;
        }
      else
        {
          g_string_append_c (out, '{');
          p = brace + 1;
        }
    }
  return g_string_free (out, FALSE);
}

/* A subject is one header line: no line breaks or other control characters
 * that a template field value might bring, and no doubled spaces where a
 * template field was empty. */
static char *
clean_subject (const char *subject)
{
  GString *out = g_string_new (NULL);
  gboolean space = FALSE;

  for (const char *p = subject; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c))
        {
          space = out->len > 0;
          continue;
        }
      if (space)
        g_string_append_c (out, ' ');
      space = FALSE;
      g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

static const char *
nonempty (const char *a,
          const char *b)
{
  return a != NULL && *a != '\0' ? a : b;
}

static gboolean
render_notice (HdAccount                 *account,
               const HdAutoAnswerRequest *request,
               char                     **out_subject,
               char                     **out_body)
{
  const char *subject = request->subject ? request->subject : "";
  g_autofree char *raw_subject = NULL;

  /* Translators: the subject of the automatic notice for a mail whose ticket
   * reference matched no ticket; %s is the subject of that mail. */
  raw_subject = g_strdup_printf (_("Not added to any ticket: %s"), subject);
  *out_subject = clean_subject (raw_subject);
  /* Translators: the automatic notice for a mail whose ticket reference
   * matched no ticket. The first %s is the sender's name, the second the
   * subject of the mail, the third the name of the helpdesk. Keep "-- "
   * with its space: it marks the signature. */
  *out_body = g_strdup_printf (_("Hello %s,\n"
                                 "\n"
                                 "the ticket reference in the subject of your mail “%s” "
                                 "matches none of our tickets, so your mail was not added "
                                 "to any ticket.\n"
                                 "\n"
                                 "Please check the reference and send your mail again.\n"
                                 "\n"
                                 "This is an automatic answer.\n"
                                 "\n"
                                 "-- \n"
                                 "%s\n"),
                               nonempty (request->to_name, request->to_address), subject,
                               nonempty (hd_account_get_sender_alias (account),
                                         hd_account_get_name (account)));
  return TRUE;
}

/**
 * hd_auto_answer_render:
 * @out_subject: (out): the subject, one line, always with the ticket reference
 * @out_body: (out): the body, LF line ends
 *
 * Fills the account's template for @request, or the built-in notice when
 * @request is a notice about an invalid ticket reference.
 */
gboolean
hd_auto_answer_render (HdStore                   *store,
                       HdAccount                 *account,
                       const HdAutoAnswerRequest *request,
                       char                     **out_subject,
                       char                     **out_body,
                       GError                   **error)
{
  const char *template_name;
  g_autofree char *template_subject = NULL;
  g_autofree char *template_body = NULL;
  g_autofree char *token = NULL;
  g_autofree char *reference = NULL;
  g_autofree char *ticket_id = NULL;
  g_autofree char *subject = NULL;
  g_autoptr (GHashTable) values = NULL;

  g_return_val_if_fail (HD_IS_STORE (store), FALSE);
  g_return_val_if_fail (HD_IS_ACCOUNT (account), FALSE);
  g_return_val_if_fail (request != NULL, FALSE);
  g_return_val_if_fail (out_subject != NULL && out_body != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (request->notice)
    return render_notice (account, request, out_subject, out_body);

  template_name = hd_account_get_auto_answer_template (account);
  if (template_name == NULL || *template_name == '\0')
    {
      g_set_error (error, HD_AUTO_ANSWER_ERROR, HD_AUTO_ANSWER_ERROR_NO_TEMPLATE,
                   _("The account “%s” names no auto-answer template"),
                   hd_account_get_name (account));
      return FALSE;
    }
  ticket_id = g_strdup_printf ("%" G_GINT64_FORMAT, request->ticket_id);
  token = hd_store_dup_ticket_token (store, request->ticket_id);
  if (token == NULL)
    {
      /* Translators: %s is a ticket number. */
      g_set_error (error, HD_STORE_ERROR, HD_STORE_ERROR_NOT_FOUND, _("There is no ticket %s"),
                   ticket_id);
      return FALSE;
    }
  if (!hd_auto_answer_load_template (template_name, &template_subject, &template_body, NULL,
                                     error))
    return FALSE;

  reference = hd_store_format_reference (store, request->ticket_id, token);
  values = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (values, "ticket_id", ticket_id);
  g_hash_table_insert (values, "ticket_reference", reference);
  g_hash_table_insert (values, "subject", request->subject ? request->subject : "");
  g_hash_table_insert (values, "sender_name",
                       (char *) nonempty (request->to_name, request->to_address));
  g_hash_table_insert (values, "sender_address", request->to_address ? request->to_address : "");
  g_hash_table_insert (values, "account_alias",
                       (char *) nonempty (hd_account_get_sender_alias (account),
                                          hd_account_get_name (account)));

  subject = hd_auto_answer_expand (template_subject, values);
  /* The reference in the subject is what makes a reply join the ticket, so
   * a template cannot leave it out. */
  if (strstr (subject, reference) == NULL)
    {
      g_autofree char *with_reference = g_strconcat (subject, " ", reference, NULL);

      g_free (subject);
      subject = g_steal_pointer (&with_reference);
    }
  *out_subject = clean_subject (subject);
  *out_body = hd_auto_answer_expand (template_body, values);
  return TRUE;
}

/* The request ---------------------------------------------------------- */

/**
 * hd_auto_answer_request_new:
 * @message: the mail to answer
 * @ticket_id: the ticket it created, or 0 for a notice
 * @notice: %TRUE for the notice about an invalid ticket reference
 *
 * The answer goes to the From address: the address that the daily cap per
 * sender counts and that the ticket's user was made from.
 */
HdAutoAnswerRequest *
hd_auto_answer_request_new (HdMessage *message,
                            gint64     ticket_id,
                            gboolean   notice)
{
  HdAutoAnswerRequest *request;
  const HdMessageAddress *from;
  const char *const *references;
  const char *message_id = NULL;
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();
  guint n_references;

  g_return_val_if_fail (HD_IS_MESSAGE (message), NULL);

  from = hd_message_get_from (message);
  request = g_new0 (HdAutoAnswerRequest, 1);
  request->to_name = g_strdup (from != NULL && from->name != NULL && *from->name != '\0'
                                 ? from->name : NULL);
  request->to_address = g_strdup (from != NULL ? from->address : NULL);
  request->subject = g_strdup (hd_message_get_subject (message));
  request->ticket_id = ticket_id;
  request->notice = notice;

  /* A Message-ID we made up ourselves means nothing to the sender's client. */
  if (!hd_message_get_message_id_is_synthetic (message))
    message_id = hd_message_get_message_id (message);
  request->message_id = g_strdup (message_id);

  references = hd_message_get_references (message);
  n_references = references ? g_strv_length ((GStrv) references) : 0;
  for (guint i = 0; i < n_references; i++)
    {
      /* Keep the thread's root and its newest ids. */
      if (i == 0 || i + MAX_REFERENCES - 1 >= n_references + (message_id ? 1 : 0))
        g_ptr_array_add (ids, (gpointer) references[i]);
    }
  if (message_id != NULL)
    g_ptr_array_add (ids, (gpointer) message_id);
  g_ptr_array_add (ids, NULL);
  request->references = ids->len > 1 ? g_strjoinv (" ", (GStrv) ids->pdata) : NULL;
  return request;
}

void
hd_auto_answer_request_free (HdAutoAnswerRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->to_name);
  g_free (request->to_address);
  g_free (request->subject);
  g_free (request->message_id);
  g_free (request->references);
  g_free (request);
}

/* The mail ------------------------------------------------------------- */

static char *
new_message_id (const char *domain,
                GError    **error)
{
  guint8 bytes[16];
  GString *id = g_string_new (NULL);

  if (!hd_random_bytes (bytes, sizeof bytes, error))
    {
      g_string_free (id, TRUE);
      return NULL;
    }
  for (guint i = 0; i < sizeof bytes; i++)
    g_string_append_printf (id, "%02x", bytes[i]);
  g_string_append_printf (id, "@%s", domain);
  return g_string_free (id, FALSE);
}

/**
 * hd_auto_answer_build_mail:
 * @out_message_id: (out): the new Message-ID, in angle brackets
 *
 * Returns: (transfer full): the answer as an RFC 5322 message with CRLF line
 *   ends, ready for SMTP DATA
 */
GBytes *
hd_auto_answer_build_mail (HdStore                   *store,
                           HdAccount                 *account,
                           const HdAutoAnswerRequest *request,
                           char                     **out_message_id,
                           GError                   **error)
{
  const char *sender = hd_account_get_sender_address (account);
  const char *alias = nonempty (hd_account_get_sender_alias (account), NULL);
  const char *at = sender ? strrchr (sender, '@') : NULL;
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;
  g_autofree char *id = NULL;
  g_autoptr (GMimeMessage) message = NULL;
  g_autoptr (InternetAddress) from = NULL;
  g_autoptr (InternetAddress) to = NULL;
  g_autoptr (GDateTime) now = NULL;
  g_autoptr (GMimeTextPart) part = NULL;
  g_autoptr (GMimeStream) content = NULL;
  g_autoptr (GMimeDataWrapper) wrapper = NULL;
  g_autoptr (GMimeFormatOptions) options = NULL;
  g_autoptr (GMimeStream) output = NULL;
  GByteArray *array;

  g_return_val_if_fail (HD_IS_STORE (store), NULL);
  g_return_val_if_fail (HD_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (request != NULL, NULL);

  if (at == NULL || at == sender || at[1] == '\0')
    {
      g_set_error (error, HD_AUTO_ANSWER_ERROR, HD_AUTO_ANSWER_ERROR_NOT_CONFIGURED,
                   _("The account “%s” has no sender address to answer from"),
                   hd_account_get_name (account));
      return NULL;
    }
  if (request->to_address == NULL || strchr (request->to_address, '@') == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("The mail has no sender address to answer to"));
      return NULL;
    }
  if (!hd_auto_answer_render (store, account, request, &subject, &body, error))
    return NULL;
  id = new_message_id (at + 1, error);
  if (id == NULL)
    return NULL;

  ensure_libraries ();
  message = g_mime_message_new (TRUE);

  /* Display names go out RFC 2047-encoded as UTF-8, never in a legacy
   * charset that GMime might otherwise pick for Latin-1 text. */
  from = internet_address_mailbox_new (alias, sender);
  internet_address_set_charset (from, "utf-8");
  internet_address_list_add (g_mime_message_get_from (message), from);
  to = internet_address_mailbox_new (request->to_name, request->to_address);
  internet_address_set_charset (to, "utf-8");
  internet_address_list_add (g_mime_message_get_addresses (message, GMIME_ADDRESS_TYPE_TO), to);

  g_mime_message_set_subject (message, subject, "utf-8");
  now = g_date_time_new_now_local ();
  g_mime_message_set_date (message, now);
  g_mime_message_set_message_id (message, id);
  if (request->message_id != NULL)
    g_mime_object_set_header ((GMimeObject *) message, "In-Reply-To", request->message_id, NULL);
  if (request->references != NULL)
    g_mime_object_set_header ((GMimeObject *) message, "References", request->references, NULL);
  /* RFC 3834, and what Exchange and the old Precedence convention honour:
   * other responders must not answer this answer. */
  g_mime_object_set_header ((GMimeObject *) message, "Auto-Submitted", "auto-replied", NULL);
  g_mime_object_set_header ((GMimeObject *) message, "X-Auto-Response-Suppress", "All", NULL);
  g_mime_object_set_header ((GMimeObject *) message, "Precedence", "auto_reply", NULL);

  /* g_mime_text_part_set_text() would pick ISO-8859-1 for German text; the
   * body is UTF-8 as written, encoded for a 7-bit transport. */
  part = g_mime_text_part_new_with_subtype ("plain");
  content = g_mime_stream_mem_new_with_buffer (body, strlen (body));
  wrapper = g_mime_data_wrapper_new_with_stream (content, GMIME_CONTENT_ENCODING_DEFAULT);
  g_mime_part_set_content ((GMimePart *) part, wrapper);
  g_mime_text_part_set_charset (part, "utf-8");
  g_mime_part_set_content_encoding ((GMimePart *) part,
                                    g_mime_part_get_best_content_encoding (
                                      (GMimePart *) part, GMIME_ENCODING_CONSTRAINT_7BIT));
  g_mime_message_set_mime_part (message, (GMimeObject *) part);

  options = g_mime_format_options_new ();
  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  output = g_mime_stream_mem_new ();
  if (g_mime_object_write_to_stream ((GMimeObject *) message, options, output) < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The answer could not be written"));
      return NULL;
    }

  if (out_message_id != NULL)
    *out_message_id = g_strdup_printf ("<%s>", id);
  array = g_mime_stream_mem_get_byte_array ((GMimeStreamMem *) output);
  return g_bytes_new (array->data, array->len);
}

/* SMTP ------------------------------------------------------------------- */

/* Sends through hd-smtp-sender, whose errors become this module's, which
 * its callers know. */
static gboolean
smtp_send (HdStore      *store,
           const char   *sender,
           const char   *recipient,
           GBytes       *mail,
           GCancellable *cancellable,
           GError      **error)
{
  const char *recipients[] = { recipient, NULL };
  g_autoptr (GError) local_error = NULL;

  if (hd_smtp_sender_send_sync (store, sender, recipients, mail, cancellable, &local_error))
    return TRUE;
  if (local_error->domain == HD_SMTP_SENDER_ERROR)
    g_set_error_literal (error, HD_AUTO_ANSWER_ERROR,
                         local_error->code == HD_SMTP_SENDER_ERROR_NOT_CONFIGURED
                           ? HD_AUTO_ANSWER_ERROR_NOT_CONFIGURED
                           : HD_AUTO_ANSWER_ERROR_SMTP,
                         local_error->message);
  else
    g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/**
 * hd_auto_answer_send_sync:
 *
 * Renders and sends one answer over the global SMTP settings, then records
 * it, so that the daily cap counts it and a reply to it finds its ticket.
 * Blocks; call it from a worker thread or the command line.
 */
gboolean
hd_auto_answer_send_sync (HdStore                   *store,
                          HdAccount                 *account,
                          const HdAutoAnswerRequest *request,
                          GCancellable              *cancellable,
                          GError                   **error)
{
  g_autoptr (GBytes) mail = NULL;
  g_autofree char *message_id = NULL;
  g_autofree char *host = NULL;
  gint64 account_id;

  g_return_val_if_fail (HD_IS_STORE (store), FALSE);
  g_return_val_if_fail (HD_IS_ACCOUNT (account), FALSE);
  g_return_val_if_fail (request != NULL, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Checked before anything is rendered, so that an unconfigured helpdesk
   * gets the error that says so. */
  host = hd_store_dup_setting (store, "smtp.host");
  if (host == NULL || *host == '\0')
    {
      g_set_error (error, HD_AUTO_ANSWER_ERROR, HD_AUTO_ANSWER_ERROR_NOT_CONFIGURED,
                   _("No SMTP server is set (the setting smtp.host)"));
      return FALSE;
    }

  mail = hd_auto_answer_build_mail (store, account, request, &message_id, error);
  if (mail == NULL)
    return FALSE;
  if (!smtp_send (store, hd_account_get_sender_address (account), request->to_address, mail,
                  cancellable, error))
    return FALSE;

  account_id = hd_store_get_account_id (store, hd_account_get_name (account), NULL);
  return hd_store_record_sent (store, request->notice ? 0 : request->ticket_id,
                               MAX (account_id, 0), message_id, request->to_address,
                               request->notice ? "notice" : "auto-answer", error);
}

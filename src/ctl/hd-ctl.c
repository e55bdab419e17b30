/* hd-ctl.c: global options, dispatch and the helpers every command shares.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-ctl.h"

#include <errno.h>
#include <gio/gunixinputstream.h>
#include <glib/gi18n-lib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hd-account-json.h"

struct _HdCtl
{
  char *db_path;
  HdStore *store;
};

/* Each group is a table that ends with an entry whose name is NULL. */
static const HdCtlCommand *const command_groups[] = {
  hd_ctl_account_commands,
  hd_ctl_entity_commands,
  hd_ctl_ticket_commands,
  hd_ctl_preview_commands,
  hd_ctl_poll_commands,
  hd_ctl_check_commands,
  hd_ctl_oauth_commands,
};

static void
print_usage (FILE *out)
{
  fprintf (out, "%s", _("Usage: helpdesk-mailctl [--db PATH] COMMAND …\n\nCommands:\n"));
  for (guint g = 0; g < G_N_ELEMENTS (command_groups); g++)
    {
      for (const HdCtlCommand *c = command_groups[g]; c->name != NULL; c++)
        fprintf (out, "  %s\n", c->usage);
    }
}

static const HdCtlCommand *
find_command (const char *name,
              const char *sub,
              gboolean   *name_known)
{
  *name_known = FALSE;
  for (guint g = 0; g < G_N_ELEMENTS (command_groups); g++)
    {
      for (const HdCtlCommand *c = command_groups[g]; c->name != NULL; c++)
        {
          if (!g_str_equal (c->name, name))
            continue;
          *name_known = TRUE;
          if (c->sub == NULL || g_strcmp0 (c->sub, sub) == 0)
            return c;
        }
    }
  return NULL;
}

/**
 * hd_ctl_fail:
 *
 * Prints one line to stderr, "helpdesk-mailctl: " and the message, and
 * returns @status for the caller to return.
 */
int
hd_ctl_fail (int         status,
             const char *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  /* One line, always: a multi-line message would break scripts that read it. */
  g_strdelimit (message, "\r\n", ' ');
  fprintf (stderr, "helpdesk-mailctl: %s\n", message);
  return status;
}

/**
 * hd_ctl_fail_error:
 *
 * Bad input (an invalid account, a name that is taken or missing) is exit
 * status 2; anything else (SQLite, the keyring) is 1.
 */
int
hd_ctl_fail_error (const GError *error)
{
  gboolean bad_input = error->domain == HD_ACCOUNT_ERROR
                       || error->domain == JSON_PARSER_ERROR
                       || g_error_matches (error, HD_STORE_ERROR, HD_STORE_ERROR_NOT_FOUND)
                       || g_error_matches (error, HD_STORE_ERROR, HD_STORE_ERROR_EXISTS)
                       || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)
                       || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY)
                       || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT)
                       || g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);

  return hd_ctl_fail (bad_input ? HD_CTL_EXIT_USAGE : HD_CTL_EXIT_FAILED, "%s", error->message);
}

HdStore *
hd_ctl_get_store (HdCtl   *ctl,
                  GError **error)
{
  if (ctl->store == NULL)
    ctl->store = hd_store_open (ctl->db_path, error);
  return ctl->store;
}

HdCtlFlag *
hd_ctl_flag (HdCtlFlag  *flags,
             guint       n_flags,
             const char *name)
{
  for (guint i = 0; i < n_flags; i++)
    {
      if (g_str_equal (flags[i].name, name))
        return &flags[i];
    }
  return NULL;
}

/**
 * hd_ctl_parse:
 * @positional: (out): the words that are not flags
 *
 * Flags may stand anywhere among the words; "--flag=value" and "--flag value"
 * both work; "--" ends the flags.
 */
gboolean
hd_ctl_parse (int         argc,
              char      **argv,
              HdCtlFlag  *flags,
              guint       n_flags,
              GPtrArray **positional,
              GError    **error)
{
  g_autoptr (GPtrArray) words = g_ptr_array_new ();
  gboolean flags_done = FALSE;

  for (int i = 0; i < argc; i++)
    {
      const char *arg = argv[i];
      g_autofree char *name = NULL;
      const char *eq;
      HdCtlFlag *flag;

      if (flags_done || !g_str_has_prefix (arg, "--"))
        {
          g_ptr_array_add (words, argv[i]);
          continue;
        }
      if (g_str_equal (arg, "--"))
        {
          flags_done = TRUE;
          continue;
        }

      eq = strchr (arg, '=');
      name = eq ? g_strndup (arg, eq - arg) : g_strdup (arg);
      flag = hd_ctl_flag (flags, n_flags, name);
      if (flag == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("unknown option %s"), name);
          return FALSE;
        }
      flag->seen = TRUE;
      if (!flag->has_value && eq != NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("option %s takes no value"), name);
          return FALSE;
        }
      if (flag->has_value)
        {
          if (eq != NULL)
            flag->value = eq + 1;
          else if (i + 1 < argc)
            flag->value = argv[++i];
          else
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("option %s needs a value"), name);
              return FALSE;
            }
        }
    }

  *positional = g_steal_pointer (&words);
  return TRUE;
}

/* Opens the store and parses the words; on failure prints the one-line error
 * and sets *status. */
HdStore *
hd_ctl_prepare (HdCtl      *ctl,
                int         argc,
                char      **argv,
                HdCtlFlag  *flags,
                guint       n_flags,
                guint       min_words,
                guint       max_words,
                const char *usage,
                GPtrArray **words,
                int        *status)
{
  g_autoptr (GError) error = NULL;
  HdStore *store;

  if (!hd_ctl_parse (argc, argv, flags, n_flags, words, &error))
    {
      *status = hd_ctl_fail (HD_CTL_EXIT_USAGE, "%s (%s)", error->message, usage);
      return NULL;
    }
  if ((*words)->len < min_words || (*words)->len > max_words)
    {
      *status = hd_ctl_fail (HD_CTL_EXIT_USAGE, _("usage: %s"), usage);
      return NULL;
    }
  store = hd_ctl_get_store (ctl, &error);
  if (store == NULL)
    *status = hd_ctl_fail_error (error);
  return store;
}

void
hd_ctl_print_json (JsonNode *node)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  printf ("%s\n", text);
}

/**
 * hd_ctl_read_secret_stdin:
 *
 * Reads a password or token from standard input: everything up to the end,
 * less one trailing line break. Free it with hd_ctl_free_secret(), which
 * wipes it.
 */
char *
hd_ctl_read_secret_stdin (GError **error)
{
  GString *buffer = g_string_sized_new (128);
  char chunk[256];
  size_t n;

  while ((n = fread (chunk, 1, sizeof chunk, stdin)) > 0)
    g_string_append_len (buffer, chunk, n);
  memset (chunk, 0, sizeof chunk);

  if (ferror (stdin))
    {
      int saved_errno = errno;
      hd_ctl_free_secret (g_string_free (buffer, FALSE));
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("password: could not read standard input: %s"), g_strerror (saved_errno));
      return NULL;
    }

  if (buffer->len > 0 && buffer->str[buffer->len - 1] == '\n')
    g_string_truncate (buffer, buffer->len - 1);
  if (buffer->len > 0 && buffer->str[buffer->len - 1] == '\r')
    g_string_truncate (buffer, buffer->len - 1);

  if (buffer->len == 0 || !g_utf8_validate (buffer->str, buffer->len, NULL)
      || memchr (buffer->str, '\0', buffer->len) != NULL)
    {
      gboolean empty = buffer->len == 0;

      hd_ctl_free_secret (g_string_free (buffer, FALSE));
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           empty ? _("password: standard input was empty")
                                 : _("password: must be UTF-8 text"));
      return NULL;
    }

  return g_string_free (buffer, FALSE);
}

void
hd_ctl_free_secret (char *secret)
{
  if (secret == NULL)
    return;
  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

/**
 * hd_ctl_store_secret_stdin:
 *
 * Reads a secret from standard input into the keyring item of @owner in
 * this database, and wipes the copy in memory.
 */
gboolean
hd_ctl_store_secret_stdin (HdStore      *store,
                           HdSecretKind  kind,
                           const char   *owner,
                           GError      **error)
{
  char *secret = hd_ctl_read_secret_stdin (error);
  gboolean ok;

  if (secret == NULL)
    return FALSE;
  ok = hd_secrets_store_sync (kind, hd_store_get_id (store), owner, secret, NULL, error);
  hd_ctl_free_secret (secret);
  return ok;
}

/* Reads at most @limit + 1 bytes, so that a file that is too big is refused
 * by its size without being read whole. */
static GBytes *
read_bounded (GInputStream *in,
              gsize         limit,
              GError      **error)
{
  g_autoptr (GByteArray) buffer = g_byte_array_new ();
  guint8 chunk[65536];

  while (buffer->len <= limit)
    {
      gssize n = g_input_stream_read (in, chunk, sizeof chunk, NULL, error);

      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      g_byte_array_append (buffer, chunk, n);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&buffer));
}

/**
 * hd_ctl_read_json:
 * @file: a path, or "-" for standard input
 *
 * Reads a file of accounts within the limits of hd_account_json_parse().
 */
JsonNode *
hd_ctl_read_json (const char *file,
                  GError    **error)
{
  g_autoptr (GInputStream) in = NULL;
  g_autoptr (GBytes) bytes = NULL;
  gsize length;
  const char *data;

  if (g_str_equal (file, "-"))
    in = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  else
    {
      g_autoptr (GFile) gfile = g_file_new_for_path (file);

      /* GIO's message names the file. */
      in = G_INPUT_STREAM (g_file_read (gfile, NULL, error));
      if (in == NULL)
        return NULL;
    }

  bytes = read_bounded (in, HD_ACCOUNT_JSON_MAX_SIZE, error);
  if (bytes == NULL)
    {
      g_prefix_error (error, "%s: ", file);
      return NULL;
    }
  data = g_bytes_get_data (bytes, &length);
  return hd_account_json_parse (data, length, file, error);
}

int
hd_ctl_main (int    argc,
             char **argv)
{
  HdCtl ctl = { 0 };
  const HdCtlCommand *command;
  const char *localedir = g_getenv ("HELPDESK_MAIL_LOCALEDIR");
  gboolean name_known;
  int i = 1;
  int status;

  setlocale (LC_ALL, "");
  /* As the window does: the tests read German from the build tree. */
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* Global options stand before the command. */
  for (; i < argc && g_str_has_prefix (argv[i], "--"); i++)
    {
      if (g_str_equal (argv[i], "--db") && i + 1 < argc)
        {
          g_free (ctl.db_path);
          ctl.db_path = g_strdup (argv[++i]);
        }
      else if (g_str_has_prefix (argv[i], "--db="))
        {
          g_free (ctl.db_path);
          ctl.db_path = g_strdup (argv[i] + strlen ("--db="));
        }
      else if (g_str_equal (argv[i], "--help"))
        {
          print_usage (stdout);
          return HD_CTL_EXIT_OK;
        }
      else if (g_str_equal (argv[i], "--version"))
        {
          printf ("helpdesk-mailctl %s\n", PACKAGE_VERSION);
          return HD_CTL_EXIT_OK;
        }
      else
        {
          print_usage (stderr);
          return hd_ctl_fail (HD_CTL_EXIT_USAGE, _("unknown option %s"), argv[i]);
        }
    }

  if (i >= argc)
    {
      print_usage (stderr);
      return HD_CTL_EXIT_USAGE;
    }

  command = find_command (argv[i], i + 1 < argc ? argv[i + 1] : NULL, &name_known);
  if (command == NULL)
    {
      print_usage (stderr);
      if (name_known)
        return hd_ctl_fail (HD_CTL_EXIT_USAGE, _("“%s” needs a sub-command"), argv[i]);
      return hd_ctl_fail (HD_CTL_EXIT_USAGE, _("unknown command “%s”"), argv[i]);
    }
  i += command->sub ? 2 : 1;

  if (ctl.db_path == NULL)
    ctl.db_path = hd_store_default_path ();

  status = command->func (&ctl, argc - i, argv + i);

  g_clear_object (&ctl.store);
  g_free (ctl.db_path);
  return status;
}

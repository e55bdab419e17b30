/* dovecot-test-util.c: the Dovecot fixture for the C integration tests.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "dovecot-test-util.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>

static GSubprocess *fixture_process;
static JsonObject *fixture_info;

/* A member of what the fixture printed when it started ("dir", "ca_file"…). */
const char *
info_string (const char *member)
{
  return json_object_get_string_member (fixture_info, member);
}

/* The port of one of the fixture's listeners ("imap", "imaps", "pop3"…). */
guint
info_port (const char *name)
{
  return (guint) json_object_get_int_member (json_object_get_object_member (fixture_info,
                                                                            "ports"), name);
}

/* Of the fixture's user @which, the name (@index 0) or the password (1). */
const char *
user_field (const char *which,
            guint       index)
{
  JsonObject *users = json_object_get_object_member (fixture_info, "users");

  return json_array_get_string_element (json_object_get_array_member (users, which), index);
}

/* Starts Dovecot on 127.0.0.1 and reads what the fixture tells of it. */
void
start_fixture (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *script = g_build_filename (SRCDIR, "tests", "fixtures", "dovecot-fixture.py",
                                              NULL);
  g_autoptr (GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();

  fixture_process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                      | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                                      &error, "/usr/bin/python3", script, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (fixture_process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  if (line == NULL)
    g_error ("the Dovecot fixture did not start (see its stderr above)");
  json_parser_load_from_data (parser, line, -1, &error);
  g_assert_no_error (error);
  fixture_info = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

void
stop_fixture (void)
{
  /* Closing its stdin is the fixture's signal to stop Dovecot and clean up. */
  g_output_stream_close (g_subprocess_get_stdin_pipe (fixture_process), NULL, NULL);
  g_subprocess_wait (fixture_process, NULL, NULL);
  g_clear_object (&fixture_process);
  g_clear_pointer (&fixture_info, json_object_unref);
}

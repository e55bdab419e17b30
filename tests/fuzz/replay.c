/* replay.c: a fuzz target without libFuzzer, for the unit suite. Every file
 * named on the command line, or found in a folder named there, is one test
 * that feeds it to LLVMFuzzerTestOneInput(): the seeds, and the inputs that
 * once crashed a target (tests/fuzz/regressions/TARGET/).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fuzz-common.h"

#include <string.h>

static void
replay_cb (gconstpointer data)
{
  const char *path = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpint (LLVMFuzzerTestOneInput ((const uint8_t *) contents, length), ==, 0);
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
add_file (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *name = g_strdup_printf ("/fuzz/%s/%s", FUZZ_TARGET, base);

  g_strdelimit (name + strlen ("/fuzz/"), " #", '_');
  g_test_add_data_func_full (name, g_strdup (path), replay_cb, g_free);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  LLVMFuzzerInitialize (&argc, &argv);

  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GDir) dir = NULL;
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      if (g_file_test (argv[i], G_FILE_TEST_IS_REGULAR))
        {
          add_file (argv[i]);
          continue;
        }
      /* A target without regressions has no folder for them. */
      dir = g_dir_open (argv[i], 0, NULL);
      if (dir == NULL)
        continue;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          if (name[0] != '.')
            g_ptr_array_add (names, g_build_filename (argv[i], name, NULL));
        }
      g_ptr_array_sort (names, compare_paths);
      /* Files only: a folder of its own (bounces/) is another set of seeds. */
      for (guint j = 0; j < names->len; j++)
        {
          if (g_file_test (names->pdata[j], G_FILE_TEST_IS_REGULAR))
            add_file (names->pdata[j]);
        }
    }

  return g_test_run ();
}

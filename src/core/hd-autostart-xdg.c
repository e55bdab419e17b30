/* hd-autostart-xdg.c: the poller at login on the host: a copy of the
 * installed autostart entry in the user's autostart folder
 * ($XDG_CONFIG_HOME/autostart), as the XDG Autostart specification has it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-autostart.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#define DESKTOP_GROUP G_KEY_FILE_DESKTOP_GROUP

struct _HdAutostartXdg
{
  HdAutostart parent_instance;
};

G_DEFINE_FINAL_TYPE (HdAutostartXdg, hd_autostart_xdg, HD_TYPE_AUTOSTART)

static char *
user_entry_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "autostart", HD_AUTOSTART_FILE_NAME, NULL);
}

/* The entry as installed: off by default, so that each user decides. */
static GKeyFile *
load_installed_entry (GError **error)
{
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();
  g_autofree char *path = g_build_filename ("autostart", HD_AUTOSTART_FILE_NAME, NULL);
  g_autofree char *dirs = g_strjoinv (":", (char **) g_get_system_config_dirs ());
  g_autoptr (GError) local = NULL;

  if (g_key_file_load_from_dirs (keyfile, path, (const char **) g_get_system_config_dirs (),
                                 NULL, G_KEY_FILE_KEEP_COMMENTS | G_KEY_FILE_KEEP_TRANSLATIONS,
                                 &local))
    return g_steal_pointer (&keyfile);
  if (g_error_matches (local, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_NOT_FOUND)
      || g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                 /* Translators: %s is a file name, %s a list of folders. */
                 _("The poller is not installed: there is no %s in %s"), path, dirs);
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 _("The poller’s autostart file cannot be read: %s"), local->message);
  return NULL;
}

static gboolean
entry_enabled (GKeyFile *keyfile)
{
  g_autoptr (GError) error = NULL;
  gboolean enabled;

  if (g_key_file_get_boolean (keyfile, DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_HIDDEN, NULL))
    return FALSE;
  enabled = g_key_file_get_boolean (keyfile, DESKTOP_GROUP, "X-GNOME-Autostart-enabled", &error);
  return error != NULL || enabled;
}

/**
 * hd_autostart_xdg_set_enabled_sync:
 *
 * Writes the user's autostart entry for the poller (a copy of the installed
 * one, switched on and started under systemd sessions too), or removes it.
 */
gboolean
hd_autostart_xdg_set_enabled_sync (gboolean   enabled,
                                   GError   **error)
{
  g_autofree char *path = user_entry_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GKeyFile) keyfile = NULL;

  if (!enabled)
    {
      if (g_unlink (path) != 0 && errno != ENOENT)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       _("Could not remove %s: %s"), path, g_strerror (saved));
          return FALSE;
        }
      return TRUE;
    }

  keyfile = load_installed_entry (error);
  if (keyfile == NULL)
    return FALSE;
  /* The installed entry is off and hidden where a systemd unit could do the
   * job; the user's copy is the user's choice and starts in every session. */
  g_key_file_remove_key (keyfile, DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_HIDDEN, NULL);
  g_key_file_remove_key (keyfile, DESKTOP_GROUP, "X-GNOME-HiddenUnderSystemd", NULL);
  g_key_file_set_boolean (keyfile, DESKTOP_GROUP, "X-GNOME-Autostart-enabled", TRUE);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not create %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  return g_key_file_save_to_file (keyfile, path, error);
}

static void
set_enabled_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  GError *error = NULL;

  if (hd_autostart_xdg_set_enabled_sync (GPOINTER_TO_INT (task_data), &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
hd_autostart_xdg_set_enabled_async (HdAutostart         *self,
                                    gboolean             enabled,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, hd_autostart_set_enabled_async);
  g_task_set_task_data (task, GINT_TO_POINTER (enabled), NULL);
  g_task_run_in_thread (task, set_enabled_thread);
}

static gboolean
hd_autostart_xdg_get_enabled (HdAutostart *self)
{
  g_autofree char *path = user_entry_path ();
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();

  if (!g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, NULL))
    return FALSE;
  return entry_enabled (keyfile);
}

static void
hd_autostart_xdg_class_init (HdAutostartXdgClass *klass)
{
  HdAutostartClass *autostart_class = HD_AUTOSTART_CLASS (klass);

  autostart_class->get_enabled = hd_autostart_xdg_get_enabled;
  autostart_class->set_enabled_async = hd_autostart_xdg_set_enabled_async;
}

static void
hd_autostart_xdg_init (HdAutostartXdg *self)
{
}

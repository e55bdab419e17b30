/* window-test-util.c: what the window and dialog tests share: a store in a
 * temporary folder, waiting like a person, and finding widgets.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "window-test-util.h"

#include <glib/gstdio.h>
#include <string.h>

#include "hd-secrets.h"

void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;

  fixture->dir = g_dir_make_tmp ("hd-test-window-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (fixture->dir, "helpdesk.sqlite3", NULL);
  fixture->store = hd_store_open (path, &error);
  g_assert_no_error (error);
}

static void unref_and_wait_finalized (gpointer    object,
                                      const char *what);

void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr (GDir) dir = g_dir_open (fixture->dir, 0, NULL);
  const char *name;

  unref_and_wait_finalized (fixture->store, "the store to be finalized");
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (fixture->dir, name, NULL);
      g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (fixture->dir), ==, 0);
  g_free (fixture->dir);
}

void
add_account (Fixture    *fixture,
             const char *name,
             HdProtocol  protocol,
             const char *host,
             gboolean    enabled)
{
  g_autoptr (HdAccount) account = hd_account_new ();
  g_autoptr (GError) error = NULL;

  g_object_set (account,
                "name", name,
                "protocol", (guint) protocol,
                "host", host,
                "port", hd_default_port (protocol, HD_SECURITY_TLS),
                "username", "helpdesk@example.com",
                "enabled", enabled,
                NULL);
  hd_store_add_account (fixture->store, account, &error);
  g_assert_no_error (error);
}

static gboolean
timeout_cb (gpointer user_data)
{
  g_error ("Timed out waiting for %s", (const char *) user_data);
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until @done says yes, as a person would wait. */
void
wait_until (gboolean  (*done) (gpointer data),
            gpointer    data,
            const char *what)
{
  guint timeout = g_timeout_add_seconds (20, timeout_cb, (gpointer) what);

  while (!done (data))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout);
}

static gboolean
is_gone (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* Drops the test's reference to @object and waits until it is finalized:
 * work that a worker thread still does for it (a page being read, a D-Bus
 * reply on its way) ends first, as its callbacks run. An object that is
 * never finalized (a leak) still fails here, after the timeout. */
static void
unref_and_wait_finalized (gpointer    object,
                          const char *what)
{
  gpointer weak = object;

  g_object_add_weak_pointer (G_OBJECT (object), &weak);
  g_object_unref (object);
  wait_until (is_gone, &weak, what);
}

gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

void
settle (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
collect (GtkWidget *widget,
         GType      type,
         GPtrArray *found)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (found, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect (child, type, found);
}

GPtrArray *
find_all (gpointer root,
          GType    type)
{
  GPtrArray *found = g_ptr_array_new ();

  collect (GTK_WIDGET (root), type, found);
  return found;
}

gpointer
find_one (gpointer root,
          GType    type)
{
  g_autoptr (GPtrArray) found = find_all (root, type);

  g_assert_cmpuint (found->len, ==, 1);
  return g_ptr_array_index (found, 0);
}

HdWindow *
open_window (Fixture *fixture)
{
  HdWindow *window = hd_window_new (NULL, fixture->store);

  /* The test owns the window; GTK's list of toplevels only borrows it. */
  g_object_ref_sink (window);
  gtk_window_present (GTK_WINDOW (window));
  wait_until (is_mapped, window, "the window to be shown");
  settle ();
  return window;
}

void
close_window (HdWindow *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  settle ();
  unref_and_wait_finalized (window, "the window to be finalized");
}

HdAccountRow *
row_named (GPtrArray  *rows,
           const char *name)
{
  for (guint i = 0; i < rows->len; i++)
    {
      AdwPreferencesRow *row = g_ptr_array_index (rows, i);

      if (g_strcmp0 (adw_preferences_row_get_title (row), name) == 0)
        return HD_ACCOUNT_ROW (row);
    }
  g_error ("No row shows the account “%s”", name);
}

HdAccountDialog *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) toplevel = g_list_model_get_item (toplevels, i);

      if (HD_IS_ACCOUNT_DIALOG (toplevel))
        return HD_ACCOUNT_DIALOG (toplevel);
    }
  return NULL;
}

gboolean
dialog_is_gone (gpointer data)
{
  return find_dialog () == NULL;
}

GtkWidget *
editor_row (HdAccountDialog *dialog,
            const char      *name)
{
  HdAccountEditor *editor = hd_account_dialog_get_editor (dialog);

  return GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (editor), HD_TYPE_ACCOUNT_EDITOR,
                                                    name));
}

void
type_into (HdAccountDialog *dialog,
           const char      *row,
           const char      *text)
{
  gtk_editable_set_text (GTK_EDITABLE (editor_row (dialog, row)), text);
}

GtkWidget *
dialog_add_button (HdAccountDialog *dialog)
{
  return GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (dialog), HD_TYPE_ACCOUNT_DIALOG,
                                                    "add_button"));
}

GtkWidget *
dialog_child (HdAccountDialog *dialog,
              const char      *name)
{
  return editor_row (dialog, name);
}


/* An async callback that keeps its result in the GAsyncResult * that
 * @user_data points to, for wait_for_result(). */
void
keep_result_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
has_result (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

void
wait_for_result (GAsyncResult **result,
                 const char    *what)
{
  wait_until (has_result, result, what);
}

/* GTK's own file chooser dialog, which a GtkFileChooserNative shows when
 * there are no portals (the tests run with GDK_DEBUG=no-portals). */
static gpointer
find_file_chooser (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (GTK_IS_FILE_CHOOSER_DIALOG (window) && gtk_widget_get_mapped (GTK_WIDGET (window)))
        return window;
    }
  return NULL;
}

static gboolean
file_chooser_shown (gpointer data)
{
  return find_file_chooser () != NULL;
}

static gboolean
file_chooser_gone (gpointer data)
{
  return find_file_chooser () == NULL;
}

GtkFileChooser *
wait_for_file_chooser (gboolean shown)
{
  if (shown)
    wait_until (file_chooser_shown, NULL, "the file chooser to open");
  else
    wait_until (file_chooser_gone, NULL, "the file chooser to close");
  return find_file_chooser ();
}

static gboolean
in_folder (gpointer data)
{
  gpointer *args = data;
  g_autoptr (GFile) folder = gtk_file_chooser_get_current_folder (args[0]);

  return folder != NULL && g_file_equal (folder, args[1]);
}

/* The chooser shows a folder it was given only after it has read it. */
void
wait_for_folder (GtkFileChooser *chooser,
                 GFile          *folder)
{
  gpointer args[] = { chooser, folder };

  wait_until (in_folder, args, "the file chooser to show the folder");
}

static gboolean
has_label (gpointer data)
{
  gpointer *args = data;
  g_autoptr (GPtrArray) labels = find_all (args[0], GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    if (g_strcmp0 (gtk_label_get_text (g_ptr_array_index (labels, i)), args[1]) == 0)
      return TRUE;
  return FALSE;
}

/* Waits until a label under @root says @text, as a toast does. */
void
wait_for_label (gpointer    root,
                const char *text,
                const char *what)
{
  gpointer args[] = { root, (gpointer) text };

  wait_until (has_label, args, what);
}

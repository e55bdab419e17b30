/* window-test-util.h: what the window and dialog tests share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hd-account-dialog.h"
#include "hd-account-row.h"
#include "hd-window.h"

typedef struct {
  char *dir;
  HdStore *store;
} Fixture;

void             fixture_set_up (Fixture       *fixture,
                                 gconstpointer  data);
void             fixture_tear_down (Fixture       *fixture,
                                    gconstpointer  data);
void             add_account (Fixture    *fixture,
                              const char *name,
                              HdProtocol  protocol,
                              const char *host,
                              gboolean    enabled);
void             wait_until (gboolean  (*done) (gpointer data),
                             gpointer    data,
                             const char *what);
gboolean         is_mapped (gpointer widget);
void             settle (void);
GPtrArray       *find_all (gpointer root,
                           GType    type);
gpointer         find_one (gpointer root,
                           GType    type);
HdWindow        *open_window (Fixture *fixture);
void             close_window (HdWindow *window);
HdAccountRow    *row_named (GPtrArray  *rows,
                            const char *name);
HdAccountDialog *find_dialog (void);
gboolean         dialog_is_gone (gpointer data);
GtkWidget       *editor_row (HdAccountDialog *dialog,
                             const char      *name);
void             type_into (HdAccountDialog *dialog,
                            const char      *row,
                            const char      *text);
GtkWidget       *dialog_add_button (HdAccountDialog *dialog);
GtkWidget       *dialog_child (HdAccountDialog *dialog,
                               const char      *name);
void             keep_result_cb (GObject      *object,
                                 GAsyncResult *result,
                                 gpointer      user_data);
void             wait_for_result (GAsyncResult **result,
                                  const char    *what);
GtkFileChooser  *wait_for_file_chooser (gboolean shown);
void             wait_for_folder (GtkFileChooser *chooser,
                                  GFile          *folder);
void             wait_for_label (gpointer    root,
                                 const char *text,
                                 const char *what);

/* hd-window-private.h: what the files of HdWindow share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hd-accounts.h"
#include "hd-account-editor.h"
#include "hd-account-row.h"
#include "hd-poll-log-view.h"
#include "hd-poller-client.h"
#include "hd-tickets-view.h"
#include "hd-window.h"

G_BEGIN_DECLS

struct _HdWindow
{
  AdwApplicationWindow parent_instance;

  HdStore *store;
  /* The window's changes of accounts, each in a worker thread with a
   * connection of its own; cancelled when the window goes. */
  HdAccounts *writer;
  GCancellable *cancellable;
  GListStore *accounts;
  HdPollerClient *poller;
  GSettings *settings;

  /* The selected account as saved, and the copy the editor changes. */
  HdAccount *original;
  HdAccount *draft;
  /* What to do once the admin answered "Save changes?". */
  HdAccount *then_show;
  gboolean then_close;
  gboolean closing;
  gboolean reloading;
  /* A save, duplicate or remove runs. */
  gboolean busy;

  AdwToastOverlay *toast_overlay;
  AdwViewStack *view_stack;
  AdwViewSwitcherTitle *switcher_title;
  AdwViewSwitcherBar *switcher_bar;
  GtkStack *stack;
  AdwStatusPage *empty_page;
  AdwLeaflet *leaflet;
  GtkWidget *content;
  GtkButton *back_button;
  GtkListBox *account_list;
  HdAccountEditor *editor;
  GtkButton *remove_button;
  GtkButton *save_button;
  GtkButton *duplicate_button;
  GtkWidget *busy_box;
  GtkSpinner *busy_spinner;
  HdTicketsView *tickets_view;
  HdPollLogView *poll_log_view;
};

void          hd_window_toast (HdWindow   *self,
                               const char *markup);
void          hd_window_toast_error (HdWindow     *self,
                                     const GError *error);
gboolean      hd_window_is_dirty (HdWindow *self);
void          hd_window_update_actions (HdWindow *self);
void          hd_window_show_account (HdWindow  *self,
                                      HdAccount *account);
HdAccountRow *hd_window_row_for_name (HdWindow   *self,
                                      const char *name);
void          hd_window_select_quietly (HdWindow     *self,
                                        HdAccountRow *row);
void          hd_window_save_account (HdWindow *self);
void          hd_window_save_enabled (HdWindow  *self,
                                      HdAccount *account,
                                      gboolean   enabled);
void          hd_window_ask_unsaved (HdWindow *self);
void          hd_window_class_add_account_actions (GtkWidgetClass *widget_class);

/* hd-window-poller.c */
void          hd_window_watch_poller (HdWindow *self);
void          hd_window_show_poll_status (HdWindow     *self,
                                          HdAccountRow *row);
void          hd_window_class_add_poller_actions (GtkWidgetClass *widget_class);

G_END_DECLS

/* hd-poller-client.h: the window's side of the background poller.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define HD_TYPE_POLLER_CLIENT (hd_poller_client_get_type ())

G_DECLARE_FINAL_TYPE (HdPollerClient, hd_poller_client, HD, POLLER_CLIENT, GObject)

HdPollerClient *hd_poller_client_new (void);
void            hd_poller_client_start (HdPollerClient *self);
gboolean        hd_poller_client_get_running (HdPollerClient *self);
gboolean        hd_poller_client_get_paused (HdPollerClient *self);
const char     *hd_poller_client_get_start_error (HdPollerClient *self);
gboolean        hd_poller_client_reads_store (HdPollerClient *self,
                                              const char     *store_id);
GVariant       *hd_poller_client_lookup_account (HdPollerClient *self,
                                                 const char     *store_id,
                                                 const char     *name);
void            hd_poller_client_poll_now_async (HdPollerClient      *self,
                                                 const char * const  *names,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean        hd_poller_client_poll_now_finish (HdPollerClient  *self,
                                                  GAsyncResult    *result,
                                                  GError         **error);

void hd_poller_client_reload (void);
void hd_poller_client_open_account_cb (GSimpleAction *action,
                                       GVariant      *parameter,
                                       gpointer       user_data);

G_END_DECLS

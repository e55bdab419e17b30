/* hd-tickets-view.h: the tickets the poller made, each with its steps.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hd-store.h"

G_BEGIN_DECLS

#define HD_TYPE_TICKETS_VIEW (hd_tickets_view_get_type ())

G_DECLARE_FINAL_TYPE (HdTicketsView, hd_tickets_view, HD, TICKETS_VIEW, AdwBin)

void     hd_tickets_view_reload (HdTicketsView *self,
                                 HdStore       *store);
void     hd_tickets_view_set_page_size (HdTicketsView *self,
                                        guint          page_size);
gboolean hd_tickets_view_is_loading (HdTicketsView *self);
void     hd_tickets_view_save_attachment (HdTicketsView       *self,
                                          gint64               attachment_id,
                                          GFile               *target,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean hd_tickets_view_save_attachment_finish (HdTicketsView  *self,
                                                 GAsyncResult   *result,
                                                 GError        **error);

G_END_DECLS

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

G_END_DECLS

/* hd-poll-log-view.h: per account, the poll runs and what each mail became.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hd-store.h"

G_BEGIN_DECLS

#define HD_TYPE_POLL_LOG_VIEW (hd_poll_log_view_get_type ())

G_DECLARE_FINAL_TYPE (HdPollLogView, hd_poll_log_view, HD, POLL_LOG_VIEW, AdwBin)

void     hd_poll_log_view_reload (HdPollLogView *self,
                                  HdStore       *store);
void     hd_poll_log_view_set_page_size (HdPollLogView *self,
                                         guint          page_size);
gboolean hd_poll_log_view_is_loading (HdPollLogView *self);

G_END_DECLS

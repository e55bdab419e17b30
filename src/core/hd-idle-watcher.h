/* hd-idle-watcher.h: one IMAP IDLE connection (RFC 2177) that watches one
 * account's folder and says when new mail arrives.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "hd-account.h"
#include "hd-store.h"

G_BEGIN_DECLS

#define HD_IDLE_WATCHER_ERROR (hd_idle_watcher_error_quark ())

typedef enum {
  HD_IDLE_WATCHER_ERROR_UNSUPPORTED, /* the server does not announce IDLE */
  HD_IDLE_WATCHER_ERROR_DROPPED,     /* the server ended the connection or the IDLE */
} HdIdleWatcherError;

/* IDLE is renewed (DONE, then IDLE again) before the 30 minutes after which
 * RFC 2177 lets a server drop an idle client. */
#define HD_IDLE_WATCHER_DEFAULT_RENEW_MS (29 * 60 * 1000)

#define HD_TYPE_IDLE_WATCHER (hd_idle_watcher_get_type ())

G_DECLARE_FINAL_TYPE (HdIdleWatcher, hd_idle_watcher, HD, IDLE_WATCHER, GObject)

GQuark         hd_idle_watcher_error_quark (void);

HdIdleWatcher *hd_idle_watcher_new (HdStore   *store,
                                    HdAccount *account);
void           hd_idle_watcher_set_renew_ms (HdIdleWatcher *self,
                                             guint          renew_ms);
gboolean       hd_idle_watcher_run_sync (HdIdleWatcher  *self,
                                         GCancellable   *cancellable,
                                         GError        **error);
void           hd_idle_watcher_run_async (HdIdleWatcher       *self,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean       hd_idle_watcher_run_finish (HdIdleWatcher  *self,
                                           GAsyncResult   *result,
                                           GError        **error);

G_END_DECLS

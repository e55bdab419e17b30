/* hd-connection-check.h: "Check connection" for an account being edited.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "hd-account.h"
#include "hd-mailbox.h"

G_BEGIN_DECLS

HdMailboxCheckResult *hd_connection_check_sync (HdAccount     *account,
                                                const char    *db_path,
                                                const char    *password,
                                                GCancellable  *cancellable,
                                                GError       **error);
void                  hd_connection_check_async (HdAccount           *account,
                                                 const char          *db_path,
                                                 const char          *password,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
HdMailboxCheckResult *hd_connection_check_finish (GAsyncResult  *result,
                                                  GError       **error);

G_END_DECLS

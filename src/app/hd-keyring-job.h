/* hd-keyring-job.h: moving and copying an account's secrets off the main loop.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  HD_KEYRING_JOB_RENAME, /* every secret of the old owner moves to the new one */
  HD_KEYRING_JOB_COPY,   /* the old owner's password is copied to the new one */
} HdKeyringJobKind;

gboolean hd_keyring_job_run_sync (HdKeyringJobKind  kind,
                                  const char       *store_id,
                                  const char       *from_owner,
                                  const char       *to_owner,
                                  const char       *password,
                                  GCancellable     *cancellable,
                                  GError          **error);
void     hd_keyring_job_run_async (HdKeyringJobKind     kind,
                                   const char          *store_id,
                                   const char          *from_owner,
                                   const char          *to_owner,
                                   const char          *password,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data);
gboolean hd_keyring_job_run_finish (GAsyncResult  *result,
                                    GError       **error);

G_END_DECLS

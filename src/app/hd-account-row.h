/* hd-account-row.h: one mail account in the window's list.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hd-account.h"

G_BEGIN_DECLS

/* What a row shows of an account's polling; strings may be NULL. */
typedef struct {
  const char *state;        /* an HD_HEALTH_… string */
  const char *message;      /* the last error, word for word */
  const char *since;        /* ISO 8601: since when the account is in this state */
  const char *next_poll;    /* ISO 8601 */
  gboolean    live;         /* told by the running poller, not read from the store */
  const char *poller_error; /* when not live: why the poller could not be started */
  gboolean    polling;
  gboolean    paused;       /* the poller is paused: no poll is planned */
  guint       progress_done;
  guint       progress_total;
} HdAccountRowStatus;

#define HD_TYPE_ACCOUNT_ROW (hd_account_row_get_type ())

G_DECLARE_FINAL_TYPE (HdAccountRow, hd_account_row, HD, ACCOUNT_ROW, AdwActionRow)

GtkWidget *hd_account_row_new (HdAccount *account);
HdAccount *hd_account_row_get_account (HdAccountRow *self);
void       hd_account_row_set_status (HdAccountRow             *self,
                                      const HdAccountRowStatus *status);

G_END_DECLS

/* hd-store-health.h: how each account fares, kept across runs and processes:
 * the poll and the check write it, the window, the poller's tray and
 * `accounts show --json` read it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hd-store.h"

G_BEGIN_DECLS

#define HD_HEALTH_NEVER_POLLED    "never-polled"
#define HD_HEALTH_OK              "ok"
#define HD_HEALTH_FAILING         "failing"
#define HD_HEALTH_SIGN_IN_REQUIRED "sign-in-required"

typedef struct {
  char *state;      /* one of the HD_HEALTH_… strings */
  char *since;      /* ISO 8601: when the account came into this state, or NULL */
  char *message;    /* the last error, word for word, or NULL */
  char *last_poll;  /* ISO 8601, or NULL */
  char *next_poll;  /* ISO 8601, or NULL when none is planned */
} HdAccountHealth;

gboolean         hd_store_record_health (HdStore     *self,
                                         gint64       account_id,
                                         const char  *state,
                                         const char  *message,
                                         gboolean     polled,
                                         GError     **error);
gboolean         hd_store_set_next_poll (HdStore     *self,
                                         gint64       account_id,
                                         GDateTime   *next_poll,
                                         GError     **error);
HdAccountHealth *hd_store_get_health (HdStore     *self,
                                      gint64       account_id,
                                      GError     **error);
void             hd_account_health_free (HdAccountHealth *health);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HdAccountHealth, hd_account_health_free)

G_END_DECLS

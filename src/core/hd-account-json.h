/* hd-account-json.h: the account as JSON, as DESIGN.md spells it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "hd-account.h"

G_BEGIN_DECLS

/* An account is a few hundred bytes and three levels deep. */
#define HD_ACCOUNT_JSON_MAX_SIZE  (4 * 1024 * 1024)
#define HD_ACCOUNT_JSON_MAX_DEPTH 16

JsonNode  *hd_account_json_parse (const char *data,
                                  gsize       length,
                                  const char *source,
                                  GError    **error);

HdAccount *hd_account_new_from_json (JsonNode *node,
                                     GError  **error);
JsonNode  *hd_account_to_json (HdAccount *self);

G_END_DECLS

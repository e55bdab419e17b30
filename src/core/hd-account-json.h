/* hd-account-json.h: the account as JSON, as DESIGN.md spells it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "hd-account.h"

G_BEGIN_DECLS

HdAccount *hd_account_new_from_json (JsonNode *node,
                                     GError  **error);
JsonNode  *hd_account_to_json (HdAccount *self);

G_END_DECLS

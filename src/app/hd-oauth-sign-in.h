/* hd-oauth-sign-in.h: "Set up OAuth connection": the browser sign-in of
 * one account, with a dialog that waits.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hd-store.h"

G_BEGIN_DECLS

void hd_oauth_sign_in_run (GtkWindow  *parent,
                           HdStore    *store,
                           const char *account);

G_END_DECLS

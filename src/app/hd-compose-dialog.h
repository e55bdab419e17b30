/* hd-compose-dialog.h: "Write E-Mail" from a ticket, sent as the account's
 * sender alias and address.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hd-store.h"

G_BEGIN_DECLS

#define HD_TYPE_COMPOSE_DIALOG (hd_compose_dialog_get_type ())

G_DECLARE_FINAL_TYPE (HdComposeDialog, hd_compose_dialog, HD, COMPOSE_DIALOG, AdwWindow)

HdComposeDialog *hd_compose_dialog_new (GtkWindow *parent,
                                        HdStore   *store,
                                        gint64     ticket_id,
                                        GError   **error);

G_END_DECLS

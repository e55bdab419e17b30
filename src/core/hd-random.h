/* hd-random.h: cryptographic randomness (getrandom), never g_rand.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean hd_random_bytes (guint8 *buffer,
                          gsize   length,
                          GError **error);
char    *hd_random_letters (guint    length,
                            GError **error);

G_END_DECLS

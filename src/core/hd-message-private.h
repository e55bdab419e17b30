/* hd-message-private.h: text helpers shared inside the core, not public API.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hd-message.h"

G_BEGIN_DECLS

void        hd_message_ensure_gmime (void);
char       *hd_message_text_to_utf8 (const char *data,
                                     gsize       length,
                                     const char *charset);
char       *hd_message_unflow_text (const char *text,
                                    gboolean    delsp);
char       *hd_message_clean_header_text (const char *text);
char       *hd_message_sniff_html_charset (const char *html,
                                           gsize       length);
const char *hd_message_extension_for_type (const char *content_type);

G_END_DECLS

/* hd-redact.h: the one place where protocol transcript lines lose their secrets.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  HD_REDACT_CLIENT, /* a line we sent to the server */
  HD_REDACT_SERVER, /* a line the server sent to us */
  HD_REDACT_INFO,   /* a remark of the transport library itself */
} HdRedactSource;

/* Carries what one line cannot tell alone: whether we are inside a SASL
 * exchange, where every line we send is a credential.  Zero-initialise it
 * once per connection. */
typedef struct {
  gboolean in_sasl;
} HdRedactState;

char *hd_redact_line (HdRedactState  *state,
                      HdRedactSource  source,
                      const char     *line);

G_END_DECLS

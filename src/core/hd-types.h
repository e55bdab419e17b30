/* hd-types.h: forward declarations and the small enums shared by the core.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _HdAccount HdAccount;
typedef struct _HdStore   HdStore;

typedef enum {
  HD_PROTOCOL_IMAP,
  HD_PROTOCOL_POP3,
} HdProtocol;

typedef enum {
  HD_SECURITY_TLS,
  HD_SECURITY_STARTTLS,
  HD_SECURITY_NONE,
} HdSecurity;

const char *hd_protocol_to_string (HdProtocol protocol);
gboolean    hd_protocol_from_string (const char *str,
                                     HdProtocol *out);
const char *hd_security_to_string (HdSecurity security);
gboolean    hd_security_from_string (const char *str,
                                     HdSecurity *out);
guint       hd_default_port (HdProtocol protocol,
                             HdSecurity security);

G_END_DECLS

/* hd-smtp-sender.h: sending mail over the SMTP server of the settings.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "hd-store.h"

G_BEGIN_DECLS

#define HD_SMTP_SENDER_ERROR (hd_smtp_sender_error_quark ())

typedef enum {
  HD_SMTP_SENDER_ERROR_NOT_CONFIGURED, /* no SMTP host, or no password for its user */
  HD_SMTP_SENDER_ERROR_SMTP,           /* the message is the SMTP server's reply verbatim */
} HdSmtpSenderError;

GQuark   hd_smtp_sender_error_quark (void);

gboolean hd_smtp_sender_send_sync (HdStore            *store,
                                   const char         *sender,
                                   const char *const  *recipients,
                                   GBytes             *mail,
                                   GCancellable       *cancellable,
                                   GError            **error);

G_END_DECLS

/* hd-poller-application.h: helpdesk-mail-poller, the background poller as a
 * GApplication on the session bus (no GTK in this process).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "hd-poller.h"

G_BEGIN_DECLS

#define HD_POLLER_OBJECT_PATH "/io/github/helpdeskmail/HelpDeskMail/Poller"

#define HD_TYPE_POLLER_APPLICATION (hd_poller_application_get_type ())

G_DECLARE_FINAL_TYPE (HdPollerApplication, hd_poller_application, HD, POLLER_APPLICATION,
                      GApplication)

HdPollerApplication *hd_poller_application_new (void);
HdPoller            *hd_poller_application_get_poller (HdPollerApplication *self);
int                  hd_poller_application_get_status (HdPollerApplication *self);

/* hd-poller-notify.c */
void                 hd_poller_application_notify_health (GApplication *app,
                                                          const char   *name,
                                                          const char   *old_state,
                                                          const char   *new_state,
                                                          const char   *message);
void                 hd_poller_application_request_background (GApplication *app);
void                 hd_poller_application_open_window (GApplication *app,
                                                        const char   *account);

G_END_DECLS

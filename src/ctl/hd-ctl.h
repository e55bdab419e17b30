/* hd-ctl.h: helpdesk-mailctl, the command line for scripts and admins.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "hd-secrets.h"
#include "hd-store.h"

G_BEGIN_DECLS

/* Exit statuses of DESIGN.md. */
enum {
  HD_CTL_EXIT_OK = 0,
  HD_CTL_EXIT_FAILED = 1, /* a failed check or poll, or the system failed us */
  HD_CTL_EXIT_USAGE = 2,  /* bad usage or bad input */
};

typedef struct _HdCtl HdCtl;

/* A command gets the words after its own name. */
typedef int (*HdCtlCommandFunc) (HdCtl *ctl,
                                 int    argc,
                                 char **argv);

typedef struct
{
  const char *name;
  const char *sub;   /* NULL when the command has no sub-command */
  HdCtlCommandFunc func;
  const char *usage;
} HdCtlCommand;

/* Flags that a command accepts; a flag with has_value takes the next word. */
typedef struct
{
  const char *name;
  gboolean has_value;
  gboolean seen;
  const char *value;
} HdCtlFlag;

int         hd_ctl_main (int    argc,
                         char **argv);

HdStore    *hd_ctl_get_store (HdCtl   *ctl,
                              GError **error);
int         hd_ctl_fail (int         status,
                         const char *format,
                         ...) G_GNUC_PRINTF (2, 3);
int         hd_ctl_fail_error (const GError *error);
gboolean    hd_ctl_parse (int         argc,
                          char      **argv,
                          HdCtlFlag  *flags,
                          guint       n_flags,
                          GPtrArray **positional,
                          GError    **error);
HdCtlFlag  *hd_ctl_flag (HdCtlFlag  *flags,
                         guint       n_flags,
                         const char *name);
HdStore    *hd_ctl_prepare (HdCtl      *ctl,
                            int         argc,
                            char      **argv,
                            HdCtlFlag  *flags,
                            guint       n_flags,
                            guint       min_words,
                            guint       max_words,
                            const char *usage,
                            GPtrArray **words,
                            int        *status);
void        hd_ctl_print_json (JsonNode *node);
char       *hd_ctl_read_secret_stdin (GError **error);
void        hd_ctl_free_secret (char *secret);
gboolean    hd_ctl_store_secret_stdin (HdStore      *store,
                                       HdSecretKind  kind,
                                       const char   *owner,
                                       GError      **error);
JsonNode   *hd_ctl_read_json (const char *file,
                              GError    **error);

/* The command groups, each in its own file. */
extern const HdCtlCommand hd_ctl_account_commands[];
extern const HdCtlCommand hd_ctl_entity_commands[];
extern const HdCtlCommand hd_ctl_ticket_commands[];
extern const HdCtlCommand hd_ctl_preview_commands[];
extern const HdCtlCommand hd_ctl_poll_commands[];
extern const HdCtlCommand hd_ctl_check_commands[];
extern const HdCtlCommand hd_ctl_oauth_commands[];

G_END_DECLS

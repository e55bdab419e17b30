/* fuzz-reference.c: the ticket reference parser on any subject, against a
 * helpdesk with one ticket and the extra keywords "Case" and "Ref-No".
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fuzz-common.h"

#include <string.h>

#include "hd-store-tickets.h"

static char *reference;

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  FuzzHelpdesk *helpdesk;

  fuzz_init ();
  helpdesk = fuzz_helpdesk_get ();
  reference = hd_store_format_reference (helpdesk->store, helpdesk->ticket_id, helpdesk->token);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  FuzzHelpdesk *helpdesk = fuzz_helpdesk_get ();
  g_autoptr (GBytes) bytes = fuzz_with_token (helpdesk, data, size);
  /* A subject is a C string: it ends at the first NUL. */
  const char *subject = g_bytes_get_size (bytes) > 0 ? g_bytes_get_data (bytes, NULL) : "";
  gboolean has_keyword = FALSE;
  gint64 ticket;

  ticket = hd_ingest_find_reference (helpdesk->store, subject, &has_keyword);

  /* Only the one ticket can be named, and only with its letters. */
  g_assert (ticket == 0 || ticket == helpdesk->ticket_id);
  if (ticket != 0)
    g_assert (has_keyword);
  /* Its reference, written as the helpdesk writes it, is always found. */
  if (strstr (subject, reference) != NULL)
    g_assert (ticket == helpdesk->ticket_id);
  return 0;
}

/* hd-mailbox-imap-listed.c: what an IMAP listing keeps of each mail for the
 * rest of the session (its UID, and whether it was \Seen), eight bytes a
 * mail in one array sorted by UID, so that a folder of tens of thousands of
 * mails costs a poll no more memory than a small one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-mailbox-imap-private.h"

#include <stdlib.h>
#include <string.h>

/* Reads "UID n" and whether "\Seen" is among the FLAGS of one FETCH line. */
gboolean
hd_mailbox_imap_parse_fetch_flags (const char *line,
                                   guint32    *out_uid,
                                   gboolean   *out_seen)
{
  const char *uid = strstr (line, "UID ");
  guint64 number;
  char *end;

  if (!g_str_has_prefix (line, "* ") || strstr (line, " FETCH ") == NULL || uid == NULL)
    return FALSE;
  uid += strlen ("UID ");
  if (!g_ascii_isdigit (*uid))
    return FALSE;
  number = g_ascii_strtoull (uid, &end, 10);
  if (number == 0 || number > G_MAXUINT32 || g_ascii_isdigit (*end))
    return FALSE;
  *out_uid = (guint32) number;
  *out_seen = strstr (line, "\\Seen") != NULL;
  return TRUE;
}

static int
compare_listed (gconstpointer a,
                gconstpointer b)
{
  guint32 x = ((const HdImapListed *) a)->uid;
  guint32 y = ((const HdImapListed *) b)->uid;

  return x < y ? -1 : x > y;
}

/* Whether @uid was \Seen when listed; FALSE when it was not listed. */
gboolean
hd_mailbox_imap_lookup_listed (HdMailboxImap *self,
                               const char    *uid,
                               gboolean      *out_seen)
{
  HdImapListed key = { 0 };
  const HdImapListed *found;
  guint64 number = g_ascii_strtoull (uid, NULL, 10);

  if (self->seen_at_list == NULL || number == 0 || number > G_MAXUINT32)
    return FALSE;
  key.uid = (guint32) number;
  found = bsearch (&key, self->seen_at_list->data, self->seen_at_list->len,
                   sizeof (HdImapListed), compare_listed);
  if (found == NULL)
    return FALSE;
  *out_seen = found->seen;
  return TRUE;
}

/* Sequence numbers follow the UIDs, so that UID order is the folder's order;
 * a mail expunged during the listing shifts the numbers, and its neighbour's
 * UID may then come twice: one is kept. Returns the table of @found sorted
 * by UID, at its exact size (it lives for the whole session), and adds each
 * UID to @uids in that order. */
GArray *
hd_mailbox_imap_listed_sort (GArray    *found,
                             HdHandles *uids)
{
  GArray *listed;

  g_array_sort (found, compare_listed);
  listed = g_array_sized_new (FALSE, FALSE, sizeof (HdImapListed), found->len);
  for (guint i = 0; i < found->len; i++)
    {
      const HdImapListed *one = &g_array_index (found, HdImapListed, i);

      if (listed->len > 0 && g_array_index (listed, HdImapListed, listed->len - 1).uid == one->uid)
        continue;
      g_array_append_val (listed, *one);
      hd_handles_add_uid (uids, one->uid);
    }
  return listed;
}

/* hd-handles.h: the handles of a mailbox listing (IMAP UIDs, POP3 UIDLs),
 * kept compactly: every handle in one buffer, for mailboxes of tens of
 * thousands of mails.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _HdHandles HdHandles;

#define HD_TYPE_HANDLES (hd_handles_get_type ())

GType               hd_handles_get_type (void) G_GNUC_CONST;
HdHandles          *hd_handles_new (void);
HdHandles          *hd_handles_new_from_strv (const char * const *handles);
HdHandles          *hd_handles_ref (HdHandles *self);
void                hd_handles_unref (HdHandles *self);
void                hd_handles_add (HdHandles  *self,
                                    const char *handle);
void                hd_handles_add_uid (HdHandles *self,
                                        guint32    uid);
guint               hd_handles_get_length (HdHandles *self);
const char         *hd_handles_get (HdHandles *self,
                                    guint      index);
const char * const *hd_handles_peek_strv (HdHandles *self);
const char         *hd_handles_lookup (HdHandles  *self,
                                       const char *handle);
gboolean            hd_handles_find (HdHandles  *self,
                                     const char *handle,
                                     guint      *out_index);
GStrv               hd_handles_dup_strv (HdHandles *self);
gsize               hd_handles_get_memory_size (HdHandles *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HdHandles, hd_handles_unref)

G_END_DECLS

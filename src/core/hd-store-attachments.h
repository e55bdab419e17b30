/* hd-store-attachments.h: attachments kept as references into their step's
 * raw mail, and read back decoded.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hd-store.h"

G_BEGIN_DECLS

/**
 * HdAttachmentRef:
 * @filename: the attachment's safe file name
 * @content_type: lower-case `type/subtype`, or %NULL for application/octet-stream
 * @is_inline: shown inside the message
 * @size: the decoded size in bytes
 * @raw_offset: where the encoded body starts in the step's raw mail
 * @raw_length: the encoded body's length in bytes
 * @raw_encoding: (nullable): its Content-Transfer-Encoding, as GMime names it
 *
 * An attachment that lies in its step's raw mail, as HdMessageAttachment
 * describes it.
 */
typedef struct
{
  const char *filename;
  const char *content_type;
  gboolean    is_inline;
  guint64     size;
  gint64      raw_offset;
  guint64     raw_length;
  const char *raw_encoding;
} HdAttachmentRef;

gint64   hd_store_add_attachment_ref (HdStore               *self,
                                      gint64                 step_id,
                                      const HdAttachmentRef *ref,
                                      GError               **error);

GBytes  *hd_store_read_attachment_sync (HdStore       *self,
                                        gint64         attachment_id,
                                        GCancellable  *cancellable,
                                        GError       **error);
void     hd_store_read_attachment_async (HdStore             *self,
                                         gint64               attachment_id,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
GBytes  *hd_store_read_attachment_finish (HdStore       *self,
                                          GAsyncResult  *result,
                                          GError       **error);

G_END_DECLS

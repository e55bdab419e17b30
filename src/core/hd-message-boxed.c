/* hd-message-boxed.c: copying and freeing the address and attachment
 * descriptions that HdMessage hands out.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-message.h"

/**
 * hd_message_address_copy:
 * @address: an address
 *
 * Returns: (transfer full): a copy of @address
 */
HdMessageAddress *
hd_message_address_copy (const HdMessageAddress *address)
{
  HdMessageAddress *copy;

  g_return_val_if_fail (address != NULL, NULL);

  copy = g_new0 (HdMessageAddress, 1);
  copy->name = g_strdup (address->name);
  copy->address = g_strdup (address->address);
  return copy;
}

/**
 * hd_message_address_free:
 * @address: (nullable): an address
 */
void
hd_message_address_free (HdMessageAddress *address)
{
  if (address == NULL)
    return;
  g_free (address->name);
  g_free (address->address);
  g_free (address);
}

/**
 * hd_message_attachment_copy:
 * @attachment: an attachment description
 *
 * Returns: (transfer full): a copy of @attachment
 */
HdMessageAttachment *
hd_message_attachment_copy (const HdMessageAttachment *attachment)
{
  HdMessageAttachment *copy;

  g_return_val_if_fail (attachment != NULL, NULL);

  copy = g_new0 (HdMessageAttachment, 1);
  *copy = *attachment;
  copy->filename = g_strdup (attachment->filename);
  copy->content_type = g_strdup (attachment->content_type);
  copy->content_id = g_strdup (attachment->content_id);
  return copy;
}

/**
 * hd_message_attachment_free:
 * @attachment: (nullable): an attachment description
 */
void
hd_message_attachment_free (HdMessageAttachment *attachment)
{
  if (attachment == NULL)
    return;
  g_free (attachment->filename);
  g_free (attachment->content_type);
  g_free (attachment->content_id);
  g_free (attachment);
}

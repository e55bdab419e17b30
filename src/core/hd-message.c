/* hd-message.c: one RFC 5322 message, parsed by GMime into plain fields: the
 * object and its public API. The constructors live in hd-message-input.c,
 * parsing in hd-message-parse.c and hd-message-mime.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-message.h"
#include "hd-message-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>
#include <unistd.h>

/* GMime 3.2 ships no g_autoptr support; this is the type we clean up here. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeStream, g_object_unref)

G_DEFINE_FINAL_TYPE (HdMessage, hd_message, G_TYPE_OBJECT)

G_DEFINE_QUARK (hd-message-error-quark, hd_message_error)

G_DEFINE_BOXED_TYPE (HdMessageAddress, hd_message_address,
                     hd_message_address_copy, hd_message_address_free)

G_DEFINE_BOXED_TYPE (HdMessageAttachment, hd_message_attachment,
                     hd_message_attachment_copy, hd_message_attachment_free)

/* Helpers ---------------------------------------------------------------- */

/**
 * hd_message_add_warning:
 * @self: a #HdMessage
 * @text: a translated sentence
 *
 * Adds @text to what hd_message_get_warnings() returns, once.
 */
void
hd_message_add_warning (HdMessage  *self,
                        const char *text)
{
  /* A warning may quote the mail's own bytes, which need not be UTF-8; the
   * poll log and the window take UTF-8 only. */
  g_autofree char *valid = text != NULL ? g_utf8_make_valid (text, -1) : NULL;

  if (valid == NULL)
    return;

  /* The array ends in NULL so that it can be handed out as a strv. */
  for (guint i = 0; i + 1 < self->warnings->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->warnings, i), valid) == 0)
      return;

  g_ptr_array_insert (self->warnings, self->warnings->len - 1, g_steal_pointer (&valid));
}

/**
 * hd_message_address_array_new:
 *
 * Returns: (transfer full): an empty array that frees its #HdMessageAddress
 */
GPtrArray *
hd_message_address_array_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) hd_message_address_free);
}

/* Object ----------------------------------------------------------------- */

static void
hd_message_dispose (GObject *object)
{
  HdMessage *self = HD_MESSAGE (object);

  /* The parts read from the stream, the stream reads from the borrowed
   * array, and the array's memory belongs to the bytes: release in order. */
  g_clear_pointer (&self->attachment_parts, g_ptr_array_unref);
  g_clear_object (&self->message);
  g_clear_object (&self->stream);
  if (self->borrowed != NULL)
    {
      /* Stealing detaches the data without freeing it: it is the GBytes'. */
      guint8 *data = g_byte_array_steal (self->borrowed, NULL);

      g_assert (data == NULL || self->bytes != NULL);
      g_clear_pointer (&self->borrowed, g_byte_array_unref);
    }
  g_clear_pointer (&self->bytes, g_bytes_unref);

  G_OBJECT_CLASS (hd_message_parent_class)->dispose (object);
}

static void
hd_message_finalize (GObject *object)
{
  HdMessage *self = HD_MESSAGE (object);

  g_clear_pointer (&self->options, g_mime_parser_options_free);
  g_clear_pointer (&self->from, hd_message_address_free);
  g_clear_pointer (&self->to, g_ptr_array_unref);
  g_clear_pointer (&self->cc, g_ptr_array_unref);
  g_clear_pointer (&self->reply_to, g_ptr_array_unref);
  g_clear_pointer (&self->return_path, g_free);
  g_clear_pointer (&self->sender_address, g_free);
  g_clear_pointer (&self->subject, g_free);
  g_clear_pointer (&self->message_id, g_free);
  g_clear_pointer (&self->in_reply_to, g_free);
  g_clear_pointer (&self->references, g_strfreev);
  g_clear_pointer (&self->date, g_date_time_unref);
  g_clear_pointer (&self->auto_submitted, g_free);
  g_clear_pointer (&self->precedence, g_free);
  g_clear_pointer (&self->list_id, g_free);
  g_clear_pointer (&self->x_auto_response_suppress, g_free);
  g_clear_pointer (&self->x_autoreply, g_free);
  g_clear_pointer (&self->body_text, g_free);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  g_clear_pointer (&self->warnings, g_ptr_array_unref);
  g_clear_pointer (&self->charsets, g_ptr_array_unref);

  G_OBJECT_CLASS (hd_message_parent_class)->finalize (object);
}

static void
hd_message_class_init (HdMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hd_message_dispose;
  object_class->finalize = hd_message_finalize;

  hd_message_ensure_gmime ();
}

static void
hd_message_init (HdMessage *self)
{
  self->to = hd_message_address_array_new ();
  self->cc = hd_message_address_array_new ();
  self->reply_to = hd_message_address_array_new ();
  self->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) hd_message_attachment_free);
  self->attachment_parts = g_ptr_array_new_with_free_func (g_object_unref);
  self->warnings = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->warnings, NULL);
  self->charsets = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->charsets, NULL);
}

/* Public API ------------------------------------------------------------- */

/**
 * hd_message_get_from:
 * @self: a #HdMessage
 *
 * Returns: (transfer none) (nullable): the first From mailbox, or %NULL when
 *   the message has no From header. A From with a name but no parsable
 *   address gives an empty @address.
 */
const HdMessageAddress *
hd_message_get_from (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->from;
}

/**
 * hd_message_get_to:
 * @self: a #HdMessage
 *
 * Returns: (transfer none) (element-type HdMessageAddress): the To
 *   mailboxes in header order, groups flattened; possibly empty
 */
GPtrArray *
hd_message_get_to (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->to;
}

/**
 * hd_message_get_cc:
 * @self: a #HdMessage
 *
 * Returns: (transfer none) (element-type HdMessageAddress): the Cc mailboxes
 */
GPtrArray *
hd_message_get_cc (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->cc;
}

/**
 * hd_message_get_reply_to:
 * @self: a #HdMessage
 *
 * Returns: (transfer none) (element-type HdMessageAddress): the Reply-To
 *   mailboxes
 */
GPtrArray *
hd_message_get_reply_to (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->reply_to;
}

/**
 * hd_message_get_return_path:
 * @self: a #HdMessage
 *
 * Returns: (nullable): the Return-Path address, "" for the null sender
 *   `<>`, %NULL when there is no Return-Path header
 */
const char *
hd_message_get_return_path (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->return_path;
}

/**
 * hd_message_has_empty_return_path:
 * @self: a #HdMessage
 *
 * Returns: %TRUE when the Return-Path is the null sender `<>`, as on
 *   bounces and other automatic mail
 */
gboolean
hd_message_has_empty_return_path (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), FALSE);
  return self->empty_return_path;
}

/**
 * hd_message_get_sender_address:
 * @self: a #HdMessage
 *
 * Returns: (nullable): who sent the mail: the From address, else the first
 *   Reply-To, else Sender, else the Return-Path; %NULL if none is known.
 *   hd_message_get_sender_source() tells which.
 */
const char *
hd_message_get_sender_address (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->sender_address;
}

/**
 * hd_message_get_sender_source:
 * @self: a #HdMessage
 *
 * Returns: (nullable): the header hd_message_get_sender_address() came
 *   from: "From", "Reply-To", "Sender" or "Return-Path" (header names, not
 *   translated); %NULL when there is no sender address
 */
const char *
hd_message_get_sender_source (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->sender_source;
}

/**
 * hd_message_get_subject:
 * @self: a #HdMessage
 *
 * Returns: the decoded subject on one line, "" when there is none
 */
const char *
hd_message_get_subject (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->subject;
}

/**
 * hd_message_get_message_id:
 * @self: a #HdMessage
 *
 * Returns: the Message-ID in angle brackets; when the message has none, a
 *   stable one derived from the SHA-256 of the raw message
 */
const char *
hd_message_get_message_id (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->message_id;
}

/**
 * hd_message_get_message_id_is_synthetic:
 * @self: a #HdMessage
 *
 * Returns: %TRUE when the Message-ID was derived from the content
 */
gboolean
hd_message_get_message_id_is_synthetic (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), FALSE);
  return self->message_id_is_synthetic;
}

/**
 * hd_message_get_in_reply_to:
 * @self: a #HdMessage
 *
 * Returns: (nullable): the first id of In-Reply-To in angle brackets
 */
const char *
hd_message_get_in_reply_to (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->in_reply_to;
}

/**
 * hd_message_get_references:
 * @self: a #HdMessage
 *
 * Returns: (transfer none): the ids of References in order, each in angle
 *   brackets, without repeats; an empty array when there are none
 */
const char * const *
hd_message_get_references (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return (const char * const *) self->references;
}

/**
 * hd_message_get_date:
 * @self: a #HdMessage
 *
 * Returns: (transfer none) (nullable): the Date, in the sender's offset, or
 *   %NULL when it is missing or cannot be understood
 */
GDateTime *
hd_message_get_date (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->date;
}

/**
 * hd_message_get_auto_submitted:
 * @self: a #HdMessage
 *
 * Returns: (nullable): the Auto-Submitted header, %NULL when absent
 */
const char *
hd_message_get_auto_submitted (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->auto_submitted;
}

/**
 * hd_message_get_precedence:
 * @self: a #HdMessage
 *
 * Returns: (nullable): the Precedence header, %NULL when absent
 */
const char *
hd_message_get_precedence (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->precedence;
}

/**
 * hd_message_get_list_id:
 * @self: a #HdMessage
 *
 * Returns: (nullable): the List-Id header ("" if present but empty), %NULL
 *   when absent
 */
const char *
hd_message_get_list_id (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->list_id;
}

/**
 * hd_message_get_x_auto_response_suppress:
 * @self: a #HdMessage
 *
 * Returns: (nullable): the X-Auto-Response-Suppress header (Microsoft),
 *   %NULL when absent
 */
const char *
hd_message_get_x_auto_response_suppress (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->x_auto_response_suppress;
}

/**
 * hd_message_get_x_autoreply:
 * @self: a #HdMessage
 *
 * Returns: (nullable): the X-Autoreply header, %NULL when absent
 */
const char *
hd_message_get_x_autoreply (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->x_autoreply;
}

/**
 * hd_message_get_body_text:
 * @self: a #HdMessage
 *
 * Returns: the text a ticket step shows, in UTF-8 with LF line ends: the
 *   plain-text alternative when there is one, else the HTML as text; ""
 *   when the message has no text
 */
const char *
hd_message_get_body_text (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->body_text;
}

/**
 * hd_message_get_body_is_from_html:
 * @self: a #HdMessage
 *
 * Returns: %TRUE when (some of) the body text was converted from HTML
 */
gboolean
hd_message_get_body_is_from_html (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), FALSE);
  return self->body_is_from_html;
}

/**
 * hd_message_get_body_truncated:
 * @self: a #HdMessage
 *
 * Returns: %TRUE when the body text was cut at 4 MiB
 */
gboolean
hd_message_get_body_truncated (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), FALSE);
  return self->body_truncated;
}

/**
 * hd_message_get_attachments:
 * @self: a #HdMessage
 *
 * Returns: (transfer none) (element-type HdMessageAttachment): attachments
 *   and inline parts in MIME order; possibly empty
 */
GPtrArray *
hd_message_get_attachments (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->attachments;
}

static gboolean
write_gmime_stream (GMimeStream   *source,
                    GOutputStream *output,
                    GCancellable  *cancellable,
                    GError       **error)
{
  char buffer[HD_MESSAGE_CHUNK_SIZE];
  ssize_t n;

  while ((n = hd_message_stream_read (source, buffer, sizeof buffer)) > 0)
    {
      g_autoptr(GError) local_error = NULL;

      if (!g_output_stream_write_all (output, buffer, n, NULL, cancellable, &local_error))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  if (n < 0)
    {
      g_set_error_literal (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_IO,
                           _("Could not read the message content"));
      return FALSE;
    }

  return TRUE;
}

/**
 * hd_message_write_attachment:
 * @self: a #HdMessage
 * @index: the attachment's index
 * @output: where the decoded content goes
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Writes the decoded content of an attachment, streaming it from the raw
 * message. A forwarded message (message/rfc822) is written as a message.
 *
 * Returns: %TRUE on success
 */
gboolean
hd_message_write_attachment (HdMessage     *self,
                             guint          index,
                             GOutputStream *output,
                             GCancellable  *cancellable,
                             GError       **error)
{
  GMimeObject *object;

  g_return_val_if_fail (HD_IS_MESSAGE (self), FALSE);
  g_return_val_if_fail (index < self->attachment_parts->len, FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (output), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  object = g_ptr_array_index (self->attachment_parts, index);

  if (GMIME_IS_MESSAGE_PART (object))
    {
      GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (object));
      g_autoptr(GMimeStream) memory = g_mime_stream_mem_new ();

      /* GMime writes messages only to its own streams; a forwarded mail is
       * serialized in memory first. */
      if (inner != NULL && g_mime_object_write_to_stream (GMIME_OBJECT (inner), NULL, memory) < 0)
        {
          g_set_error_literal (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_IO,
                               _("Could not serialize the attached message"));
          return FALSE;
        }
      g_mime_stream_reset (memory);
      return write_gmime_stream (memory, output, cancellable, error);
    }
  else
    {
      g_autoptr(GMimeStream) decoded = hd_message_open_decoded_stream (GMIME_PART (object));

      if (decoded == NULL)
        return TRUE;
      return write_gmime_stream (decoded, output, cancellable, error);
    }
}

/**
 * hd_message_dup_attachment_bytes:
 * @self: a #HdMessage
 * @index: the attachment's index
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the decoded content of an attachment
 *   in memory; prefer hd_message_write_attachment() for large ones
 */
GBytes *
hd_message_dup_attachment_bytes (HdMessage *self,
                                 guint      index,
                                 GError   **error)
{
  g_autoptr(GOutputStream) output = NULL;

  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  g_return_val_if_fail (index < self->attachment_parts->len, NULL);

  output = g_memory_output_stream_new_resizable ();
  if (!hd_message_write_attachment (self, index, output, NULL, error))
    return NULL;
  if (!g_output_stream_close (output, NULL, error))
    return NULL;

  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (output));
}

/**
 * hd_message_get_raw_size:
 * @self: a #HdMessage
 *
 * Returns: the size of the raw message in bytes
 */
guint64
hd_message_get_raw_size (HdMessage *self)
{
  gint64 length;

  g_return_val_if_fail (HD_IS_MESSAGE (self), 0);

  length = g_mime_stream_length (self->stream);
  return length > 0 ? (guint64) length : 0;
}

/**
 * hd_message_write_raw:
 * @self: a #HdMessage
 * @output: where the raw message goes
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Writes the raw message exactly as it was read, to keep it with the step.
 *
 * Returns: %TRUE on success
 */
gboolean
hd_message_write_raw (HdMessage     *self,
                      GOutputStream *output,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr(GMimeStream) copy = NULL;

  g_return_val_if_fail (HD_IS_MESSAGE (self), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (output), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  copy = g_mime_stream_substream (self->stream, self->stream->bound_start,
                                  self->stream->bound_end);
  g_mime_stream_reset (copy);
  return write_gmime_stream (copy, output, cancellable, error);
}

/**
 * hd_message_get_warnings:
 * @self: a #HdMessage
 *
 * Returns: (transfer none): what was wrong with the message and repaired or
 *   worked around, one translated sentence each, for the poll log; an empty
 *   array for a well-formed message
 */
const char * const *
hd_message_get_warnings (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return (const char * const *) self->warnings->pdata;
}

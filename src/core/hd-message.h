/* hd-message.h: one RFC 5322 message, parsed by GMime into plain fields.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HD_MESSAGE_ERROR (hd_message_error_quark ())

typedef enum {
  HD_MESSAGE_ERROR_EMPTY,          /* no bytes, or nothing but blank lines */
  HD_MESSAGE_ERROR_NOT_A_MESSAGE,  /* no header fields could be found */
  HD_MESSAGE_ERROR_IO,             /* reading the input or writing a part failed */
  HD_MESSAGE_ERROR_NOT_A_FILE,     /* a folder, FIFO or device instead of a file */
} HdMessageError;

/**
 * HdMessageAddress:
 * @name: the decoded display name in UTF-8, or %NULL when there is none
 * @address: the address as written (`local@domain`); never %NULL, may be
 *   empty for a display name without an address
 *
 * One mailbox of an address header. Read-only.
 */
typedef struct {
  char *name;
  char *address;
} HdMessageAddress;

/**
 * HdMessageAttachment:
 * @index: position in hd_message_get_attachments(); pass it to
 *   hd_message_write_attachment()
 * @filename: a safe file name: no path separators, no control characters,
 *   no leading dots, never empty
 * @content_type: lower-case `type/subtype`
 * @size: the size in bytes after the transfer encoding is decoded
 * @is_inline: %TRUE for parts shown inside the message (inline disposition,
 *   or a resource of a multipart/related HTML body)
 * @content_id: the Content-ID without angle brackets, or %NULL
 * @raw_offset: where the part's body, still transfer-encoded, starts in the
 *   raw message (hd_message_write_raw()); -1 when it is not there as one
 *   exact piece (locate_raw_body() in hd-message-mime.c says when)
 * @raw_length: the length of that encoded body in bytes; 0 with a
 *   @raw_offset of -1
 * @raw_encoding: (nullable): the Content-Transfer-Encoding to undo on it,
 *   as GMime names it ("base64", "quoted-printable", "7bit", "8bit",
 *   "binary"), or %NULL when the part declares none; a static string
 *
 * One attachment or inline part. Read-only.
 */
typedef struct {
  guint       index;
  char       *filename;
  char       *content_type;
  guint64     size;
  gboolean    is_inline;
  char       *content_id;
  gint64      raw_offset;
  guint64     raw_length;
  const char *raw_encoding;
} HdMessageAttachment;

#define HD_TYPE_MESSAGE_ADDRESS    (hd_message_address_get_type ())
#define HD_TYPE_MESSAGE_ATTACHMENT (hd_message_attachment_get_type ())
#define HD_TYPE_MESSAGE            (hd_message_get_type ())

GType                hd_message_address_get_type (void) G_GNUC_CONST;
HdMessageAddress    *hd_message_address_copy (const HdMessageAddress *address);
void                 hd_message_address_free (HdMessageAddress *address);

GType                hd_message_attachment_get_type (void) G_GNUC_CONST;
HdMessageAttachment *hd_message_attachment_copy (const HdMessageAttachment *attachment);
void                 hd_message_attachment_free (HdMessageAttachment *attachment);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HdMessageAddress, hd_message_address_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HdMessageAttachment, hd_message_attachment_free)

G_DECLARE_FINAL_TYPE (HdMessage, hd_message, HD, MESSAGE, GObject)

GQuark                   hd_message_error_quark (void);

HdMessage               *hd_message_new_from_bytes (GBytes  *bytes,
                                                    GError **error);
HdMessage               *hd_message_new_from_file (const char *path,
                                                   GError    **error);
HdMessage               *hd_message_new_from_stream (GInputStream *stream,
                                                     GCancellable *cancellable,
                                                     GError      **error);

const HdMessageAddress  *hd_message_get_from (HdMessage *self);
GPtrArray               *hd_message_get_to (HdMessage *self);
GPtrArray               *hd_message_get_cc (HdMessage *self);
GPtrArray               *hd_message_get_reply_to (HdMessage *self);
const char              *hd_message_get_return_path (HdMessage *self);
gboolean                 hd_message_has_empty_return_path (HdMessage *self);
const char              *hd_message_get_sender_address (HdMessage *self);
const char              *hd_message_get_sender_source (HdMessage *self);

const char              *hd_message_get_subject (HdMessage *self);
const char              *hd_message_get_message_id (HdMessage *self);
gboolean                 hd_message_get_message_id_is_synthetic (HdMessage *self);
const char              *hd_message_get_in_reply_to (HdMessage *self);
const char * const      *hd_message_get_references (HdMessage *self);
GDateTime               *hd_message_get_date (HdMessage *self);

const char              *hd_message_get_auto_submitted (HdMessage *self);
const char              *hd_message_get_precedence (HdMessage *self);
const char              *hd_message_get_list_id (HdMessage *self);
const char              *hd_message_get_x_auto_response_suppress (HdMessage *self);
const char              *hd_message_get_x_autoreply (HdMessage *self);
gboolean                 hd_message_is_auto_generated (HdMessage *self,
                                                       char     **reason);

const char              *hd_message_get_body_text (HdMessage *self);
gboolean                 hd_message_get_body_is_from_html (HdMessage *self);
gboolean                 hd_message_get_body_truncated (HdMessage *self);

GPtrArray               *hd_message_get_attachments (HdMessage *self);
gboolean                 hd_message_write_attachment (HdMessage     *self,
                                                      guint          index,
                                                      GOutputStream *output,
                                                      GCancellable  *cancellable,
                                                      GError       **error);
GBytes                  *hd_message_dup_attachment_bytes (HdMessage *self,
                                                          guint      index,
                                                          GError   **error);

guint64                  hd_message_get_raw_size (HdMessage *self);
gboolean                 hd_message_write_raw (HdMessage     *self,
                                               GOutputStream *output,
                                               GCancellable  *cancellable,
                                               GError       **error);

const char * const      *hd_message_get_warnings (HdMessage *self);

char                    *hd_message_html_to_text (const char *html,
                                                  gssize      length);
char                    *hd_message_sanitize_filename (const char *filename,
                                                       const char *content_type,
                                                       guint       number);

G_END_DECLS

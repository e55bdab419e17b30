/* hd-message-private.h: what the hd-message*.c files share inside the core,
 * not public API.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gmime/gmime.h>

#include "hd-message.h"

G_BEGIN_DECLS

/* The buffer size for every read of a raw message or a decoded part. */
#define HD_MESSAGE_CHUNK_SIZE (64 * 1024)

struct _HdMessage
{
  GObject parent_instance;

  /* What the parsed message reads from: the caller's bytes (borrowed through
   * a GByteArray that does not own them) or a file descriptor. */
  GBytes             *bytes;
  GByteArray         *borrowed;
  GMimeStream        *stream;
  GMimeParserOptions *options;
  GMimeMessage       *message;

  HdMessageAddress   *from;
  GPtrArray          *to;
  GPtrArray          *cc;
  GPtrArray          *reply_to;
  char               *return_path;
  gboolean            empty_return_path;
  char               *sender_address;
  const char         *sender_source;     /* the header it came from, untranslated */

  char               *subject;
  char               *message_id;
  gboolean            message_id_is_synthetic;
  char               *in_reply_to;
  GStrv               references;
  GDateTime          *date;

  char               *auto_submitted;
  char               *precedence;
  char               *list_id;
  char               *x_auto_response_suppress;
  char               *x_autoreply;

  char               *body_text;
  gboolean            body_is_from_html;
  gboolean            body_truncated;

  GPtrArray          *attachments;       /* HdMessageAttachment */
  GPtrArray          *attachment_parts;  /* GMimeObject, same order */

  GPtrArray          *warnings;          /* char *, NULL-terminated */
  GPtrArray          *charsets;          /* char *, NULL-terminated: declared anywhere */
  guint               parts_seen;        /* MIME parts walked, against the cap */
};

/* What one mail may cost; more is cut with a warning, never refused. */
#define HD_MESSAGE_SUBJECT_MAX 1000        /* characters */
#define HD_MESSAGE_REFERENCES_HEAD 10      /* the first ids of References kept */
#define HD_MESSAGE_REFERENCES_TAIL 40      /* and the last ones */
#define HD_MESSAGE_DEPTH_MAX 32            /* MIME nesting */
#define HD_MESSAGE_PARTS_MAX 1000          /* MIME parts */

/* hd-message-entities.c (generated) */
typedef struct
{
  const char *name;
  guint32     code;
  guint32     code2;
} HdHtmlEntity;

const HdHtmlEntity *hd_message_lookup_html_entity (const char *name);

/* hd-message.c */
void         hd_message_add_warning (HdMessage  *self,
                                     const char *text);
GPtrArray   *hd_message_address_array_new (void);

/* hd-message-parse.c */
void         hd_message_add_charset (HdMessage  *self,
                                     const char *charset);
void         hd_message_ensure_gmime (void);
HdMessage   *hd_message_parse_stream (GMimeStream *stream,
                                      GBytes      *bytes,
                                      GByteArray  *borrowed,
                                      GError     **error);

/* hd-message-mime.c */
void         hd_message_extract_content (HdMessage *self);
ssize_t      hd_message_stream_read (GMimeStream *stream,
                                     char        *buffer,
                                     size_t       length);
GMimeStream *hd_message_open_decoded_stream (GMimePart *part);

/* hd-message-headers.c */
gboolean     hd_message_prepare_headers (HdMessage    *self,
                                         GMimeStream  *stream,
                                         GMimeStream **content,
                                         GError      **error);

/* hd-message-rfc2047.c */
char        *hd_message_decode_header (HdMessage  *self,
                                       const char *raw);
char        *hd_message_prepare_address_header (HdMessage  *self,
                                                const char *raw);

/* hd-message-repair.c */
void         hd_message_repair_tree (HdMessage   *self,
                                     GMimeObject *object,
                                     guint        depth);

/* hd-message-uu.c */
GBytes      *hd_message_uudecode (const char *data,
                                  gsize       length);
char        *hd_message_extract_uuencoded (const char  *text,
                                           GPtrArray   *files);

/* hd-message-charset.c */
char        *hd_message_text_to_utf8 (const char *data,
                                      gsize       length,
                                      const char *charset);
char        *hd_message_decode_text (const char         *data,
                                     gsize               length,
                                     const char         *charset,
                                     const char * const *hints,
                                     const char        **guessed,
                                     char              **note);
char        *hd_message_decode_text_noting (HdMessage  *self,
                                            const char *data,
                                            gsize       length,
                                            const char *charset);

/* hd-message-text.c */
char        *hd_message_unflow_text (const char *text,
                                     gboolean    delsp);
char        *hd_message_clean_header_text (const char *text);

/* hd-message-html.c */
char        *hd_message_sniff_html_charset (const char *html,
                                            gsize       length);

/* hd-message-filename.c */
const char  *hd_message_extension_for_type (const char *content_type);

G_END_DECLS

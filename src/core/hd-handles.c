/* hd-handles.c: the handles of a mailbox listing, kept compactly.
 *
 * A poll holds the listing of the whole mailbox for as long as it runs. As
 * a GStrv, each handle of a 20,000-mail mailbox is a malloc block of its own
 * (32 bytes for a five-digit UID) plus its pointer, and a hash table to find
 * one doubles that: peak memory then grows with the mailbox. Here every
 * handle lives in one buffer, NUL-terminated, with one pointer array into it
 * (the NULL-terminated array that callers iterate) and one sorted index of
 * 32-bit positions for lookups: about 18 bytes a UID in three allocations.
 *
 * A listing is built with the add functions, then sealed by its first
 * reader (hd_handles_get() and the others): from then on it is immutable
 * and may be shared with another thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-handles.h"

#include <string.h>

struct _HdHandles
{
  gatomicrefcount ref_count;
  /* While it is built: the text of every handle and where each begins. */
  GByteArray *text;
  GArray *offsets;
  /* Once sealed: the text (exactly as long as it needs to be), a
   * NULL-terminated array of pointers into it, and their indexes sorted by
   * handle. */
  char *chars;
  gsize chars_len;
  char **strv;
  guint32 *sorted;
  guint length;
};

G_DEFINE_BOXED_TYPE (HdHandles, hd_handles, hd_handles_ref, hd_handles_unref)

static int
compare_indexes (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  char **strv = user_data;

  return strcmp (strv[*(const guint32 *) a], strv[*(const guint32 *) b]);
}

static void
seal (HdHandles *self)
{
  if (self->strv != NULL)
    return;

  self->chars_len = self->text->len;
  self->chars = (char *) g_byte_array_free (g_steal_pointer (&self->text), FALSE);
  /* GByteArray grows by doubling: give back what the text does not use. */
  if (self->chars_len > 0)
    self->chars = g_realloc (self->chars, self->chars_len);

  self->length = self->offsets->len;
  self->strv = g_new (char *, self->length + 1);
  self->sorted = g_new (guint32, MAX (self->length, 1));
  for (guint i = 0; i < self->length; i++)
    {
      self->strv[i] = self->chars + g_array_index (self->offsets, guint32, i);
      self->sorted[i] = i;
    }
  self->strv[self->length] = NULL;
  g_clear_pointer (&self->offsets, g_array_unref);

  g_qsort_with_data (self->sorted, self->length, sizeof (guint32), compare_indexes, self->strv);
}

/**
 * hd_handles_new:
 *
 * Returns: (transfer full): an empty listing to add handles to
 */
HdHandles *
hd_handles_new (void)
{
  HdHandles *self = g_new0 (HdHandles, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->text = g_byte_array_new ();
  self->offsets = g_array_new (FALSE, FALSE, sizeof (guint32));
  return self;
}

/**
 * hd_handles_new_from_strv:
 *
 * Returns: (transfer full): a listing of @handles, in their order
 */
HdHandles *
hd_handles_new_from_strv (const char * const *handles)
{
  HdHandles *self = hd_handles_new ();

  for (guint i = 0; handles != NULL && handles[i] != NULL; i++)
    hd_handles_add (self, handles[i]);
  return self;
}

HdHandles *
hd_handles_ref (HdHandles *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
hd_handles_unref (HdHandles *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  if (self->text != NULL)
    g_byte_array_unref (self->text);
  if (self->offsets != NULL)
    g_array_unref (self->offsets);
  g_free (self->chars);
  g_free (self->strv);
  g_free (self->sorted);
  g_free (self);
}

/**
 * hd_handles_add:
 * @handle: a handle, never empty
 *
 * Appends @handle; only before the listing is first read.
 */
void
hd_handles_add (HdHandles  *self,
                const char *handle)
{
  guint32 offset;

  g_return_if_fail (self != NULL);
  g_return_if_fail (handle != NULL && *handle != '\0');
  g_return_if_fail (self->text != NULL);
  g_return_if_fail (self->text->len <= G_MAXUINT32 - strlen (handle) - 1);

  offset = self->text->len;
  g_byte_array_append (self->text, (const guint8 *) handle, strlen (handle) + 1);
  g_array_append_val (self->offsets, offset);
}

/**
 * hd_handles_add_uid:
 *
 * Appends an IMAP UID, as the decimal number that names it.
 */
void
hd_handles_add_uid (HdHandles *self,
                    guint32    uid)
{
  char digits[16];

  g_snprintf (digits, sizeof digits, "%u", uid);
  hd_handles_add (self, digits);
}

guint
hd_handles_get_length (HdHandles *self)
{
  g_return_val_if_fail (self != NULL, 0);
  seal (self);
  return self->length;
}

/**
 * hd_handles_get:
 *
 * Returns: (transfer none): the handle at @index, valid as long as @self
 */
const char *
hd_handles_get (HdHandles *self,
                guint      index)
{
  g_return_val_if_fail (self != NULL, NULL);
  seal (self);
  g_return_val_if_fail (index < self->length, NULL);
  return self->strv[index];
}

/**
 * hd_handles_peek_strv:
 *
 * Returns: (transfer none): every handle in order, NULL-terminated, valid as
 *   long as @self
 */
const char * const *
hd_handles_peek_strv (HdHandles *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  seal (self);
  return (const char * const *) self->strv;
}

/**
 * hd_handles_lookup:
 *
 * Finds @handle in the listing, in O(log n).
 *
 * Returns: (transfer none) (nullable): the listing's own copy of @handle,
 *   or %NULL when it is not listed
 */
const char *
hd_handles_lookup (HdHandles  *self,
                   const char *handle)
{
  guint index;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (handle != NULL, NULL);

  return hd_handles_find (self, handle, &index) ? self->strv[index] : NULL;
}

/**
 * hd_handles_find:
 * @out_index: (out): where @handle is in the listing's order
 *
 * Finds @handle in the listing, in O(log n).
 *
 * Returns: whether @handle is listed
 */
gboolean
hd_handles_find (HdHandles  *self,
                 const char *handle,
                 guint      *out_index)
{
  guint low = 0;
  guint high;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (handle != NULL, FALSE);
  g_return_val_if_fail (out_index != NULL, FALSE);
  seal (self);

  high = self->length;
  while (low < high)
    {
      guint middle = low + (high - low) / 2;
      int order = strcmp (self->strv[self->sorted[middle]], handle);

      if (order == 0)
        {
          *out_index = self->sorted[middle];
          return TRUE;
        }
      if (order < 0)
        low = middle + 1;
      else
        high = middle;
    }
  return FALSE;
}

/**
 * hd_handles_dup_strv:
 *
 * Returns: (transfer full): every handle in order, as a GStrv of its own
 */
GStrv
hd_handles_dup_strv (HdHandles *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  seal (self);
  return g_strdupv (self->strv);
}

/**
 * hd_handles_get_memory_size:
 *
 * Returns: the bytes that the sealed listing holds (for tests and benchmarks)
 */
gsize
hd_handles_get_memory_size (HdHandles *self)
{
  g_return_val_if_fail (self != NULL, 0);
  seal (self);
  return sizeof *self + self->chars_len + (self->length + 1) * sizeof (char *)
         + MAX (self->length, 1) * sizeof (guint32);
}

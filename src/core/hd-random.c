/* hd-random.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-random.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <sys/random.h>

/**
 * hd_random_bytes:
 *
 * Fills @buffer from the kernel's cryptographic generator, blocking until it
 * is seeded. Used for ticket tokens, PKCE verifiers and OAuth state.
 */
gboolean
hd_random_bytes (guint8 *buffer,
                 gsize   length,
                 GError **error)
{
  gsize done = 0;

  g_return_val_if_fail (buffer != NULL || length == 0, FALSE);

  while (done < length)
    {
      ssize_t n = getrandom (buffer + done, length - done, 0);

      if (n < 0)
        {
          int saved_errno = errno;

          if (saved_errno == EINTR)
            continue;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _("No random numbers from the kernel: %s"), g_strerror (saved_errno));
          return FALSE;
        }
      done += n;
    }
  return TRUE;
}

/**
 * hd_random_letters:
 *
 * Returns: (transfer full): @length upper-case letters A–Z, uniformly
 *   distributed (bytes that would bias the result are drawn again).
 */
char *
hd_random_letters (guint    length,
                   GError **error)
{
  g_autofree char *letters = g_malloc0 (length + 1);
  guint filled = 0;

  while (filled < length)
    {
      guint8 pool[32];

      if (!hd_random_bytes (pool, sizeof pool, error))
        return NULL;
      for (guint i = 0; i < sizeof pool && filled < length; i++)
        {
          /* 234 = 9 × 26: values from 234 up would favour the first letters. */
          if (pool[i] < 234)
            letters[filled++] = 'A' + pool[i] % 26;
        }
    }
  return g_steal_pointer (&letters);
}

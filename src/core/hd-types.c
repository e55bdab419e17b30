/* hd-types.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-types.h"

static const char *const protocol_names[] = { "imap", "pop3" };
static const char *const security_names[] = { "tls", "starttls", "none" };

static gboolean
lookup_name (const char *const *names,
             guint              n_names,
             const char        *str,
             guint             *out)
{
  if (str == NULL)
    return FALSE;

  for (guint i = 0; i < n_names; i++)
    {
      if (g_str_equal (names[i], str))
        {
          *out = i;
          return TRUE;
        }
    }

  return FALSE;
}

const char *
hd_protocol_to_string (HdProtocol protocol)
{
  g_return_val_if_fail (protocol <= HD_PROTOCOL_POP3, NULL);
  return protocol_names[protocol];
}

gboolean
hd_protocol_from_string (const char *str,
                         HdProtocol *out)
{
  guint value;

  if (!lookup_name (protocol_names, G_N_ELEMENTS (protocol_names), str, &value))
    return FALSE;
  *out = (HdProtocol) value;
  return TRUE;
}

const char *
hd_security_to_string (HdSecurity security)
{
  g_return_val_if_fail (security <= HD_SECURITY_NONE, NULL);
  return security_names[security];
}

gboolean
hd_security_from_string (const char *str,
                         HdSecurity *out)
{
  guint value;

  if (!lookup_name (security_names, G_N_ELEMENTS (security_names), str, &value))
    return FALSE;
  *out = (HdSecurity) value;
  return TRUE;
}

/**
 * hd_default_port:
 *
 * Returns: the well-known port for @protocol: the implicit-TLS port for
 *   %HD_SECURITY_TLS, the plain port (upgraded or not) otherwise.
 */
guint
hd_default_port (HdProtocol protocol,
                 HdSecurity security)
{
  gboolean tls = security == HD_SECURITY_TLS;

  if (protocol == HD_PROTOCOL_IMAP)
    return tls ? 993 : 143;
  return tls ? 995 : 110;
}

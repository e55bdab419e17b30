/* hd-mailbox-pin.c: the public key of the server's certificate, as curl
 * spells a pin (sha256// + base64 of the SHA-256 of the DER
 * SubjectPublicKeyInfo), for the admin to pin a server that no CA vouches for.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-mailbox-private.h"

#include <string.h>

static gboolean
der_read (const guint8 **p,
          const guint8  *end,
          guint8        *tag,
          const guint8 **content,
          gsize         *content_len)
{
  gsize len;

  if (end - *p < 2)
    return FALSE;
  *tag = (*p)[0];
  len = (*p)[1];
  *p += 2;
  if (len & 0x80)
    {
      guint n = len & 0x7f;

      if (n == 0 || n > 4 || (gsize) (end - *p) < n)
        return FALSE;
      len = 0;
      for (guint i = 0; i < n; i++)
        len = (len << 8) | (*p)[i];
      *p += n;
    }
  if ((gsize) (end - *p) < len)
    return FALSE;
  *content = *p;
  *content_len = len;
  *p += len;
  return TRUE;
}

static char *
pin_from_der (const guint8 *der,
              gsize         der_len)
{
  const guint8 *p = der;
  const guint8 *content;
  const guint8 *tbs_end;
  const guint8 *spki_start;
  gsize len;
  guint8 tag;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  g_autoptr(GChecksum) checksum = NULL;
  g_autofree char *b64 = NULL;

  /* Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL,
   * serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo … } … } */
  if (!der_read (&p, der + der_len, &tag, &content, &len) || tag != 0x30)
    return NULL;
  p = content;
  if (!der_read (&p, content + len, &tag, &content, &len) || tag != 0x30)
    return NULL;
  p = content;
  tbs_end = content + len;
  if (p < tbs_end && *p == 0xa0 && !der_read (&p, tbs_end, &tag, &content, &len))
    return NULL;
  for (guint i = 0; i < 5; i++)
    {
      if (!der_read (&p, tbs_end, &tag, &content, &len))
        return NULL;
    }
  spki_start = p;
  if (!der_read (&p, tbs_end, &tag, &content, &len) || tag != 0x30)
    return NULL;

  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, spki_start, p - spki_start);
  g_checksum_get_digest (checksum, digest, &digest_len);
  b64 = g_base64_encode (digest, digest_len);
  return g_strconcat ("sha256//", b64, NULL);
}

char *
hd_mailbox_pin_from_certinfo (struct curl_certinfo *info)
{
  const char *pem = NULL;
  const char *begin;
  const char *end;
  g_autofree char *body = NULL;
  g_autofree guint8 *der = NULL;
  gsize der_len = 0;

  if (info == NULL || info->num_of_certs < 1)
    return NULL;
  for (struct curl_slist *item = info->certinfo[0]; item != NULL; item = item->next)
    {
      if (g_str_has_prefix (item->data, "Cert:"))
        pem = item->data + 5;
    }
  if (pem == NULL || (begin = strstr (pem, "-----BEGIN CERTIFICATE-----")) == NULL)
    return NULL;
  begin += strlen ("-----BEGIN CERTIFICATE-----");
  if ((end = strstr (begin, "-----END CERTIFICATE-----")) == NULL)
    return NULL;
  body = g_strndup (begin, end - begin);
  der = g_base64_decode (body, &der_len);
  return pin_from_der (der, der_len);
}

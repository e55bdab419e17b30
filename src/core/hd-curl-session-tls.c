/* hd-curl-session-tls.c: the trust part of HdCurlSession: the extra CA
 * bundle beside the system's, and the probe that learns the public key of a
 * server no CA vouches for, as curl spells a pin (sha256// + base64 of the
 * SHA-256 of the DER SubjectPublicKeyInfo), for the admin to pin it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-curl-session-private.h"

#include <string.h>

/* HELPDESK_MAIL_CA_FILE adds a CA to the system's; CURLOPT_CAINFO alone would
 * replace them, so curl gets both bundles as one blob. */
void
hd_curl_session_add_extra_ca (CURL *curl)
{
  const char *ca_file = g_getenv ("HELPDESK_MAIL_CA_FILE");
  const char *system_bundle = NULL;
  g_autoptr (GByteArray) bundle = NULL;
  g_autofree char *system_pem = NULL;
  g_autofree char *extra_pem = NULL;
  gsize system_len = 0;
  gsize extra_len = 0;
  struct curl_blob blob;

  if (ca_file == NULL || *ca_file == '\0')
    return;
  bundle = g_byte_array_new ();
  curl_easy_getinfo (curl, CURLINFO_CAINFO, &system_bundle);
  if (system_bundle != NULL
      && g_file_get_contents (system_bundle, &system_pem, &system_len, NULL))
    {
      g_byte_array_append (bundle, (const guint8 *) system_pem, system_len);
      g_byte_array_append (bundle, (const guint8 *) "\n", 1);
    }
  if (g_file_get_contents (ca_file, &extra_pem, &extra_len, NULL))
    g_byte_array_append (bundle, (const guint8 *) extra_pem, extra_len);
  else
    g_warning ("HELPDESK_MAIL_CA_FILE “%s” cannot be read", ca_file);

  blob.data = bundle->data;
  blob.len = bundle->len;
  blob.flags = CURL_BLOB_COPY;
  curl_easy_setopt (curl, CURLOPT_CAINFO_BLOB, &blob);
}

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
hd_curl_session_pin_from_certinfo (struct curl_certinfo *info)
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

/* A second, credential-less connection that accepts any certificate, only to
 * learn which key the server presents, so that the admin can pin it. */
char *
hd_curl_session_probe_pin (HdCurlSession *self)
{
  CURL *probe = curl_easy_init ();
  g_autofree char *url = NULL;
  struct curl_certinfo *info = NULL;
  char *pin;

  if (probe == NULL)
    return NULL;

  url = g_strconcat (self->base_url, "/", NULL);
  hd_curl_session_apply_options (self, probe);
  curl_easy_setopt (probe, CURLOPT_PINNEDPUBLICKEY, NULL);
  curl_easy_setopt (probe, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt (probe, CURLOPT_SSL_VERIFYHOST, 0L);
  curl_easy_setopt (probe, CURLOPT_CERTINFO, 1L);
  curl_easy_setopt (probe, CURLOPT_URL, url);
  curl_easy_setopt (probe, CURLOPT_CUSTOMREQUEST, self->probe_command);
  curl_easy_setopt (probe, CURLOPT_NOBODY, self->probe_nobody ? 1L : 0L);
  curl_easy_setopt (probe, CURLOPT_WRITEDATA, NULL);
  curl_easy_setopt (probe, CURLOPT_WRITEFUNCTION, NULL);
  (void) curl_easy_perform (probe);
  curl_easy_getinfo (probe, CURLINFO_CERTINFO, &info);
  pin = hd_curl_session_pin_from_certinfo (info);
  curl_easy_cleanup (probe);
  return pin;
}

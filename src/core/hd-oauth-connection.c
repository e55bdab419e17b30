/* hd-oauth-connection.c: an OAuth connection from and to JSON, with the
 * presets of Microsoft 365 and Google.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-oauth.h"

#include <glib/gi18n-lib.h>

#include "hd-json.h"

G_DEFINE_QUARK (hd-oauth-error-quark, hd_oauth_error)

/* What a provider fills in when the connection leaves it null. "%s" is the
 * tenant. */
typedef struct {
  const char *provider;
  const char *authorize_url;
  const char *token_url;
  const char *device_url;
  const char *delegated_scopes;
  const char *app_scopes;      /* NULL: the provider has no app-only grant for mail */
  const char *redirect_host;
} Preset;

static const Preset presets[] = {
  { "microsoft",
    "https://login.microsoftonline.com/%s/oauth2/v2.0/authorize",
    "https://login.microsoftonline.com/%s/oauth2/v2.0/token",
    "https://login.microsoftonline.com/%s/oauth2/v2.0/devicecode",
    "https://outlook.office.com/IMAP.AccessAsUser.All "
    "https://outlook.office.com/POP.AccessAsUser.All offline_access",
    "https://outlook.office365.com/.default",
    /* Entra matches http://localhost on any port. */
    "localhost" },
  { "google",
    "https://accounts.google.com/o/oauth2/v2/auth",
    "https://oauth2.googleapis.com/token",
    "https://oauth2.googleapis.com/device/code",
    "https://mail.google.com/",
    NULL,
    "127.0.0.1" },
  { "custom", NULL, NULL, NULL, NULL, NULL, "127.0.0.1" },
};

static const char *const members[] = {
  "name", "provider", "tenant", "client_id", "grant", "authorize_url", "token_url",
  "device_url", "scopes", "sasl_mechanism",
};

static const Preset *
find_preset (const char *provider)
{
  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    {
      if (g_strcmp0 (presets[i].provider, provider) == 0)
        return &presets[i];
    }
  return NULL;
}

static gboolean
get_string (JsonObject  *object,
            const char  *member,
            gboolean     required,
            char       **out,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        {
          g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_INVALID,
                       _("%s: required"), member);
          return FALSE;
        }
      return TRUE;
    }
  if (json_node_get_value_type (node) != G_TYPE_STRING
      || *json_node_get_string (node) == '\0')
    {
      g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_INVALID,
                   _("%s: must be a non-empty string"), member);
      return FALSE;
    }
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

/* Tokens and codes travel over these URLs: TLS, except to this machine. */
static gboolean
check_url (const char  *member,
           const char  *url,
           GError     **error)
{
  g_autoptr (GUri) uri = NULL;
  const char *host;

  if (url == NULL)
    return TRUE;
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL)
    {
      g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_INVALID,
                   _("%s: not a URL: %s"), member, url);
      return FALSE;
    }
  host = g_uri_get_host (uri);
  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0)
    return TRUE;
  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") == 0
      && (g_str_equal (host, "127.0.0.1") || g_str_equal (host, "::1")
          || g_ascii_strcasecmp (host, "localhost") == 0))
    return TRUE;
  g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_INVALID,
               _("%s: must be an https URL (plain http only on the loopback address): %s"),
               member, url);
  return FALSE;
}

static void
fill_preset (char       **field,
             const char  *preset,
             const char  *tenant)
{
  g_auto (GStrv) parts = NULL;

  if (*field != NULL || preset == NULL)
    return;
  parts = g_strsplit (preset, "%s", -1);
  *field = g_strjoinv (tenant, parts);
}

/* Takes the provider's presets where the connection is silent, and checks
 * that the grant has every URL it needs. */
static gboolean
complete (HdOAuthConnection  *self,
          GError            **error)
{
  const Preset *preset = find_preset (self->provider);
  const char *tenant;

  if (preset == NULL)
    {
      g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_INVALID,
                   _("provider: must be microsoft, google or custom, not “%s”"), self->provider);
      return FALSE;
    }
  if (g_str_equal (self->provider, "microsoft") && self->tenant == NULL
      && self->grant == HD_OAUTH_GRANT_CLIENT_CREDENTIALS)
    {
      g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_INVALID,
                   _("tenant: app-only sign-in with Microsoft needs the tenant id"));
      return FALSE;
    }
  if (self->grant == HD_OAUTH_GRANT_CLIENT_CREDENTIALS && preset->authorize_url != NULL
      && preset->app_scopes == NULL)
    {
      g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_INVALID,
                   _("grant: %s offers no app-only access to mailboxes"), self->provider);
      return FALSE;
    }
  tenant = self->tenant != NULL ? self->tenant : "organizations";
  fill_preset (&self->authorize_url, preset->authorize_url, tenant);
  fill_preset (&self->token_url, preset->token_url, tenant);
  fill_preset (&self->device_url, preset->device_url, tenant);
  fill_preset (&self->scopes, self->grant == HD_OAUTH_GRANT_CLIENT_CREDENTIALS
               ? preset->app_scopes : preset->delegated_scopes, tenant);

  if (self->token_url == NULL)
    {
      g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_INVALID, _("token_url: required"));
      return FALSE;
    }
  if (self->grant == HD_OAUTH_GRANT_AUTHORIZATION_CODE && self->authorize_url == NULL
      && self->device_url == NULL)
    {
      g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_INVALID,
                   _("authorize_url: required (or device_url for device-code sign-in)"));
      return FALSE;
    }
  return check_url ("authorize_url", self->authorize_url, error)
         && check_url ("token_url", self->token_url, error)
         && check_url ("device_url", self->device_url, error);
}

/**
 * hd_oauth_connection_from_json:
 * @node: an object as DESIGN.md's "An OAuth connection, as JSON" shows it
 *
 * Returns: (transfer full) (nullable): the connection with its presets
 *   filled in, or %NULL with @error naming the member at fault
 */
HdOAuthConnection *
hd_oauth_connection_from_json (JsonNode  *node,
                               GError   **error)
{
  g_autoptr (HdOAuthConnection) self = g_new0 (HdOAuthConnection, 1);
  g_autofree char *grant = NULL;
  JsonObject *object;

  g_return_val_if_fail (node != NULL, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_INVALID,
                   _("An OAuth connection must be a JSON object"));
      return NULL;
    }
  object = json_node_get_object (node);
  {
    g_autoptr (GList) names = json_object_get_members (object);

    for (GList *m = names; m != NULL; m = m->next)
      {
        if (!g_strv_contains (members, m->data))
          {
            g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_INVALID,
                         _("%s: not a member of an OAuth connection"), (char *) m->data);
            return NULL;
          }
      }
  }
  if (!get_string (object, "name", TRUE, &self->name, error)
      || !get_string (object, "provider", TRUE, &self->provider, error)
      || !get_string (object, "tenant", FALSE, &self->tenant, error)
      || !get_string (object, "client_id", TRUE, &self->client_id, error)
      || !get_string (object, "grant", FALSE, &grant, error)
      || !get_string (object, "authorize_url", FALSE, &self->authorize_url, error)
      || !get_string (object, "token_url", FALSE, &self->token_url, error)
      || !get_string (object, "device_url", FALSE, &self->device_url, error)
      || !get_string (object, "scopes", FALSE, &self->scopes, error)
      || !get_string (object, "sasl_mechanism", FALSE, &self->sasl_mechanism, error))
    return NULL;

  if (grant == NULL || g_str_equal (grant, "authorization_code"))
    self->grant = HD_OAUTH_GRANT_AUTHORIZATION_CODE;
  else if (g_str_equal (grant, "client_credentials"))
    self->grant = HD_OAUTH_GRANT_CLIENT_CREDENTIALS;
  else
    {
      g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_INVALID,
                   _("grant: must be authorization_code or client_credentials, not “%s”"), grant);
      return NULL;
    }
  if (self->sasl_mechanism == NULL)
    self->sasl_mechanism = g_strdup ("XOAUTH2");
  if (!g_str_equal (self->sasl_mechanism, "XOAUTH2")
      && !g_str_equal (self->sasl_mechanism, "OAUTHBEARER"))
    {
      g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_INVALID,
                   _("sasl_mechanism: must be XOAUTH2 or OAUTHBEARER, not “%s”"),
                   self->sasl_mechanism);
      return NULL;
    }
  if (!complete (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

JsonNode *
hd_oauth_connection_to_json (const HdOAuthConnection *self)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (self != NULL, NULL);

  json_builder_begin_object (builder);
  hd_json_add_string (builder, "name", self->name);
  hd_json_add_string (builder, "provider", self->provider);
  hd_json_add_string (builder, "tenant", self->tenant);
  hd_json_add_string (builder, "client_id", self->client_id);
  hd_json_add_string (builder, "grant", self->grant == HD_OAUTH_GRANT_CLIENT_CREDENTIALS
                                        ? "client_credentials" : "authorization_code");
  hd_json_add_string (builder, "authorize_url", self->authorize_url);
  hd_json_add_string (builder, "token_url", self->token_url);
  hd_json_add_string (builder, "device_url", self->device_url);
  hd_json_add_string (builder, "scopes", self->scopes);
  hd_json_add_string (builder, "sasl_mechanism", self->sasl_mechanism);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* The host of the loopback redirect URI that the provider accepts. */
const char *
hd_oauth_connection_redirect_host (const HdOAuthConnection *self)
{
  const Preset *preset = find_preset (self->provider);

  return preset != NULL ? preset->redirect_host : "127.0.0.1";
}

gboolean
hd_oauth_connection_is_oauthbearer (const HdOAuthConnection *self)
{
  return g_strcmp0 (self->sasl_mechanism, "OAUTHBEARER") == 0;
}

void
hd_oauth_connection_free (HdOAuthConnection *self)
{
  if (self == NULL)
    return;
  g_free (self->name);
  g_free (self->provider);
  g_free (self->tenant);
  g_free (self->client_id);
  g_free (self->authorize_url);
  g_free (self->token_url);
  g_free (self->device_url);
  g_free (self->scopes);
  g_free (self->sasl_mechanism);
  g_free (self);
}

/* test-secrets.c: the keyring round trip against a real gnome-keyring.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsecret/secret.h>
#include <unistd.h>

#include "hd-secrets.h"

#define STORE "0123456789abcdef"
#define OTHER_STORE "fedcba9876543210"

static char *
unique_owner (void)
{
  return g_strdup_printf ("test-%d-%" G_GINT64_FORMAT, getpid (), g_get_real_time ());
}

static void
test_round_trip (void)
{
  g_autofree char *owner = unique_owner ();
  g_autoptr (GError) error = NULL;
  const char *password = "Pässwörd ✓ with spaces";
  char *back;

  back = hd_secrets_lookup_sync (HD_SECRET_ACCOUNT_PASSWORD, STORE, owner, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (back);

  g_assert_true (hd_secrets_store_sync (HD_SECRET_ACCOUNT_PASSWORD, STORE, owner, password, NULL, &error));
  g_assert_no_error (error);
  back = hd_secrets_lookup_sync (HD_SECRET_ACCOUNT_PASSWORD, STORE, owner, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back, ==, password);
  secret_password_free (back);

  /* Kinds are separate: the token of the same owner is another item. */
  back = hd_secrets_lookup_sync (HD_SECRET_OAUTH_REFRESH_TOKEN, STORE, owner, NULL, &error);
  g_assert_null (back);

  /* Storing again replaces, it does not add a second item. */
  g_assert_true (hd_secrets_store_sync (HD_SECRET_ACCOUNT_PASSWORD, STORE, owner, "new", NULL, &error));
  back = hd_secrets_lookup_sync (HD_SECRET_ACCOUNT_PASSWORD, STORE, owner, NULL, &error);
  g_assert_cmpstr (back, ==, "new");
  secret_password_free (back);

  g_assert_true (hd_secrets_clear_sync (HD_SECRET_ACCOUNT_PASSWORD, STORE, owner, NULL, &error));
  back = hd_secrets_lookup_sync (HD_SECRET_ACCOUNT_PASSWORD, STORE, owner, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (back);
}

static void
test_stores_are_separate (void)
{
  g_autofree char *owner = unique_owner ();
  g_autoptr (GError) error = NULL;
  char *back;

  /* Two databases, each with an account of the same name. */
  g_assert_true (hd_secrets_store_sync (HD_SECRET_ACCOUNT_PASSWORD, STORE, owner, "one", NULL,
                                        &error));
  g_assert_true (hd_secrets_store_sync (HD_SECRET_ACCOUNT_PASSWORD, OTHER_STORE, owner, "two",
                                        NULL, &error));
  g_assert_true (hd_secrets_clear_owner_sync (OTHER_STORE, owner, NULL, &error));
  back = hd_secrets_lookup_sync (HD_SECRET_ACCOUNT_PASSWORD, STORE, owner, NULL, &error);
  g_assert_cmpstr (back, ==, "one");
  secret_password_free (back);
  g_assert_null (hd_secrets_lookup_sync (HD_SECRET_ACCOUNT_PASSWORD, OTHER_STORE, owner, NULL,
                                         &error));
  g_assert_true (hd_secrets_clear_owner_sync (STORE, owner, NULL, &error));
  g_assert_no_error (error);
}

static void
test_clear_owner_and_rename (void)
{
  g_autofree char *owner = unique_owner ();
  g_autofree char *renamed = g_strconcat (owner, "-renamed", NULL);
  g_autoptr (GError) error = NULL;
  char *back;

  g_assert_true (hd_secrets_store_sync (HD_SECRET_ACCOUNT_PASSWORD, STORE, owner, "pw", NULL, &error));
  g_assert_true (hd_secrets_store_sync (HD_SECRET_OAUTH_REFRESH_TOKEN, STORE, owner, "tok", NULL, &error));

  g_assert_true (hd_secrets_rename_owner_sync (STORE, owner, renamed, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (hd_secrets_lookup_sync (HD_SECRET_ACCOUNT_PASSWORD, STORE, owner, NULL, &error));
  back = hd_secrets_lookup_sync (HD_SECRET_OAUTH_REFRESH_TOKEN, STORE, renamed, NULL, &error);
  g_assert_cmpstr (back, ==, "tok");
  secret_password_free (back);

  g_assert_true (hd_secrets_clear_owner_sync (STORE, renamed, NULL, &error));
  g_assert_null (hd_secrets_lookup_sync (HD_SECRET_ACCOUNT_PASSWORD, STORE, renamed, NULL, &error));
  g_assert_null (hd_secrets_lookup_sync (HD_SECRET_OAUTH_REFRESH_TOKEN, STORE, renamed, NULL, &error));
  g_assert_no_error (error);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/secrets/round-trip", test_round_trip);
  g_test_add_func ("/secrets/stores-are-separate", test_stores_are_separate);
  g_test_add_func ("/secrets/clear-owner-and-rename", test_clear_owner_and_rename);

  return g_test_run ();
}

/* test-editor.c: every field of the account editor, in process.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "hd-account-editor.h"
#include "hd-name-row.h"

typedef struct {
  char *dir;
  HdStore *store;
  GtkWindow *window;
  HdAccountEditor *editor;
  HdAccount *account;
} Fixture;

static void
settle (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;

  fixture->dir = g_dir_make_tmp ("hd-test-editor-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (fixture->dir, "helpdesk.sqlite3", NULL);
  fixture->store = hd_store_open (path, &error);
  g_assert_no_error (error);
  hd_store_add_user (fixture->store, "carol", "carol@example.org", &error);
  g_assert_no_error (error);
  hd_store_add_user (fixture->store, "dave", "dave@example.org", &error);
  g_assert_no_error (error);
  hd_store_add_name (fixture->store, HD_ENTITY_RESOURCES, "Printers", &error);
  g_assert_no_error (error);
  hd_store_add_name (fixture->store, HD_ENTITY_CATEGORIES, "Hardware", &error);
  g_assert_no_error (error);

  fixture->account = hd_account_new ();
  fixture->editor = HD_ACCOUNT_EDITOR (hd_account_editor_new (fixture->account));
  hd_account_editor_set_store (fixture->editor, fixture->store);
  fixture->window = GTK_WINDOW (gtk_window_new ());
  g_object_ref_sink (fixture->window);
  gtk_window_set_child (fixture->window, GTK_WIDGET (fixture->editor));
  gtk_window_present (fixture->window);
  settle ();
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr (GDir) dir = NULL;
  const char *name;

  g_object_add_weak_pointer (G_OBJECT (fixture->editor), (gpointer *) &fixture->editor);
  gtk_window_destroy (fixture->window);
  settle ();
  g_assert_finalize_object (fixture->window);
  g_assert_null (fixture->editor);
  g_assert_finalize_object (fixture->account);
  g_assert_finalize_object (fixture->store);

  dir = g_dir_open (fixture->dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (fixture->dir, name, NULL);
      g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (fixture->dir), ==, 0);
  g_free (fixture->dir);
}

static GtkWidget *
child (Fixture    *fixture,
       const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (fixture->editor),
                                                   HD_TYPE_ACCOUNT_EDITOR, name);

  g_assert_nonnull (object);
  return GTK_WIDGET (object);
}

static void
test_text_fields (Fixture       *fixture,
                  gconstpointer  data)
{
  static const struct {
    const char *property;
    const char *row;
    const char *value;
  } fields[] = {
    { "name", "name_row", "Support" },
    { "host", "host_row", "imap.example.com" },
    { "folder", "folder_row", "INBOX/Helpdesk" },
    { "username", "username_row", "Contoso\\Agent\\Support" },
    { "sender-address", "sender_address_row", "support@example.com" },
    { "sender-alias", "sender_alias_row", "Example Support" },
    { "account-address", "account_address_row", "help@example.com" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      GtkEditable *row = GTK_EDITABLE (child (fixture, fields[i].row));
      g_autofree char *value = NULL;
      g_autofree char *shown = g_strconcat (fields[i].value, "-shown", NULL);

      /* Typing writes the account ... */
      gtk_editable_set_text (row, fields[i].value);
      g_object_get (fixture->account, fields[i].property, &value, NULL);
      g_assert_cmpstr (value, ==, fields[i].value);

      /* ... and the account shows in the field. */
      g_object_set (fixture->account, fields[i].property, shown, NULL);
      g_assert_cmpstr (gtk_editable_get_text (row), ==, shown);
    }

  /* An optional field left empty is "not set", as null in the JSON. */
  gtk_editable_set_text (GTK_EDITABLE (child (fixture, "sender_alias_row")), "");
  g_assert_null (hd_account_get_sender_alias (fixture->account));
}

static void
test_switches (Fixture       *fixture,
               gconstpointer  data)
{
  static const struct {
    const char *property;
    const char *widget;
  } fields[] = {
    { "enabled", "enabled_switch" },
    { "prevent-text-only-login", "prevent_text_only_switch" },
    { "prevent-ntlm-login", "prevent_ntlm_switch" },
    { "no-new-tickets", "no_new_tickets_switch" },
    { "create-unknown-users", "create_unknown_users_switch" },
    { "create-customer-from-domain", "create_customer_switch" },
    { "auto-bundle", "auto_bundle_switch" },
    { "push", "push_switch" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      GtkSwitch *widget = GTK_SWITCH (child (fixture, fields[i].widget));
      gboolean value;

      for (int round = 0; round < 2; round++)
        {
          gboolean want = round == 0 ? !gtk_switch_get_active (widget) : FALSE;

          gtk_switch_set_active (widget, want);
          g_object_get (fixture->account, fields[i].property, &value, NULL);
          g_assert_cmpint (value, ==, want);
          g_object_set (fixture->account, fields[i].property, !want, NULL);
          g_assert_cmpint (gtk_switch_get_active (widget), ==, !want);
        }
    }
}

static void
test_numbers_and_choices (Fixture       *fixture,
                          gconstpointer  data)
{
  GtkSpinButton *port = GTK_SPIN_BUTTON (child (fixture, "port_spin"));
  GtkSpinButton *interval = GTK_SPIN_BUTTON (child (fixture, "poll_interval_spin"));
  AdwComboRow *protocol = ADW_COMBO_ROW (child (fixture, "protocol_row"));
  AdwComboRow *security = ADW_COMBO_ROW (child (fixture, "security_row"));

  g_assert_cmpuint (hd_account_get_port (fixture->account), ==, 993);
  gtk_spin_button_set_value (port, 1993);
  g_assert_cmpuint (hd_account_get_port (fixture->account), ==, 1993);
  /* A port the admin typed stays when the protocol changes. */
  adw_combo_row_set_selected (protocol, HD_PROTOCOL_POP3);
  g_assert_cmpuint (hd_account_get_protocol (fixture->account), ==, HD_PROTOCOL_POP3);
  g_assert_cmpuint (hd_account_get_port (fixture->account), ==, 1993);
  g_object_set (fixture->account, "port", 995, NULL);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (port), ==, 995);
  /* The default port follows protocol and security. */
  adw_combo_row_set_selected (security, HD_SECURITY_STARTTLS);
  g_assert_cmpuint (hd_account_get_security (fixture->account), ==, HD_SECURITY_STARTTLS);
  g_assert_cmpuint (hd_account_get_port (fixture->account), ==, 110);
  g_object_set (fixture->account, "security", HD_SECURITY_NONE, NULL);
  g_assert_cmpuint (adw_combo_row_get_selected (security), ==, HD_SECURITY_NONE);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (security)), ==,
                   "The password and the mail cross the network unencrypted");
  g_object_set (fixture->account, "protocol", HD_PROTOCOL_IMAP, NULL);
  g_assert_cmpuint (adw_combo_row_get_selected (protocol), ==, HD_PROTOCOL_IMAP);

  gtk_spin_button_set_value (interval, 600);
  g_assert_cmpuint (hd_account_get_poll_interval (fixture->account), ==, 600);
  g_object_set (fixture->account, "poll-interval", 120, NULL);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (interval), ==, 120);
}

static void
test_name_choosers (Fixture       *fixture,
                    gconstpointer  data)
{
  static const struct {
    const char *property;
    const char *row;
    const char *value;
  } fields[] = {
    { "fallback-user", "fallback_user_row", "dave" },
    { "resource", "resource_row", "Printers" },
    { "category", "category_row", "Hardware" },
    { "priority", "priority_row", "Urgent" },
    { "auto-answer-template", "template_row", "default" },
  };
  HdNameRow *users = HD_NAME_ROW (child (fixture, "fallback_user_row"));
  gboolean searchable = FALSE;

  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      HdNameRow *row = HD_NAME_ROW (child (fixture, fields[i].row));
      g_autofree char *value = NULL;

      /* "None" is first and means NULL. */
      g_assert_null (hd_name_row_get_value (row));
      hd_name_row_set_value (row, fields[i].value);
      g_object_get (fixture->account, fields[i].property, &value, NULL);
      g_assert_cmpstr (value, ==, fields[i].value);
      g_object_set (fixture->account, fields[i].property, NULL, NULL);
      g_assert_null (hd_name_row_get_value (row));
    }

  /* The user chooser lists the store's users and has a search entry. */
  g_assert_cmpuint (hd_name_row_get_n_names (users), ==, 2);
  g_object_get (users, "searchable", &searchable, NULL);
  g_assert_true (searchable);

  /* A name the list lacks (deleted elsewhere) is still shown, not dropped. */
  g_object_set (fixture->account, "fallback-user", "erin", NULL);
  g_assert_cmpstr (hd_name_row_get_value (users), ==, "erin");
  g_assert_cmpuint (hd_name_row_get_n_names (users), ==, 3);

  /* The built-in template is offered. */
  g_assert_cmpuint (hd_name_row_get_n_names (HD_NAME_ROW (child (fixture, "template_row"))), >=,
                    1);
}

static void
test_insensitivity (Fixture       *fixture,
                    gconstpointer  data)
{
  GtkWidget *fallback = child (fixture, "fallback_user_row");
  GtkWidget *customer = child (fixture, "create_customer_row");
  GtkWidget *template = child (fixture, "template_row");
  GtkWidget *folder = child (fixture, "folder_row");
  GtkWidget *password = child (fixture, "password_row");
  GtkWidget *pin = child (fixture, "pin_row");
  GtkWidget *oauth_group = child (fixture, "oauth_group");

  g_object_set (fixture->account, "create-unknown-users", TRUE, NULL);
  g_assert_false (gtk_widget_get_sensitive (fallback));
  g_assert_true (gtk_widget_get_sensitive (customer));
  g_object_set (fixture->account, "create-unknown-users", FALSE, NULL);
  g_assert_true (gtk_widget_get_sensitive (fallback));
  g_assert_false (gtk_widget_get_sensitive (customer));

  g_object_set (fixture->account, "no-new-tickets", TRUE, NULL);
  g_assert_false (gtk_widget_get_sensitive (template));
  g_object_set (fixture->account, "no-new-tickets", FALSE, NULL);
  g_assert_true (gtk_widget_get_sensitive (template));

  g_object_set (fixture->account, "protocol", HD_PROTOCOL_POP3, NULL);
  g_assert_false (gtk_widget_get_visible (folder));
  g_object_set (fixture->account, "protocol", HD_PROTOCOL_IMAP, NULL);
  g_assert_true (gtk_widget_get_visible (folder));

  g_assert_false (gtk_widget_get_visible (pin));
  g_object_set (fixture->account, "pinned-certificate", "sha256//abc=", NULL);
  g_assert_true (gtk_widget_get_visible (pin));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (pin)), ==, "sha256//abc=");

  /* The OAuth group appears with an account that uses a connection. */
  g_assert_false (gtk_widget_get_visible (oauth_group));
  g_assert_true (gtk_widget_get_sensitive (password));
  {
    g_autoptr (HdAccount) oauth = hd_account_new ();

    g_object_set (oauth, "oauth-connection", "Contoso 365", NULL);
    hd_account_editor_set_account (fixture->editor, oauth);
    g_assert_true (gtk_widget_get_visible (oauth_group));
    g_assert_false (gtk_widget_get_sensitive (password));
    g_assert_cmpstr (hd_name_row_get_value (HD_NAME_ROW (child (fixture, "oauth_row"))), ==,
                     "Contoso 365");
    hd_account_editor_set_account (fixture->editor, fixture->account);
    g_assert_false (gtk_widget_get_visible (oauth_group));
  }
}

static void
test_errors_on_their_field (Fixture       *fixture,
                            gconstpointer  data)
{
  static const struct {
    const char *property;
    const char *value;
    const char *row;
  } cases[] = {
    { "name", "", "name_row" },
    { "host", "", "host_row" },
    { "folder", NULL, "folder_row" },
    { "username", "", "username_row" },
    { "sender-address", "not an address", "sender_address_row" },
    { "account-address", "nobody@", "account_address_row" },
  };
  GtkWidget *error_label = child (fixture, "error_label");
  GtkWidget *error_group = child (fixture, "error_group");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (HdAccount) account = hd_account_new ();
      g_autoptr (GError) error = NULL;

      g_object_set (account, "name", "Support", "host", "imap.example.com",
                    "username", "support", NULL);
      g_object_set (account, cases[i].property, cases[i].value, NULL);
      hd_account_editor_set_account (fixture->editor, account);
      g_assert_false (hd_account_validate (account, &error));
      g_assert_true (hd_account_editor_show_error (fixture->editor, error));
      for (gsize j = 0; j < G_N_ELEMENTS (cases); j++)
        g_assert_cmpint (gtk_widget_has_css_class (child (fixture, cases[j].row), "error"), ==,
                         g_str_equal (cases[i].row, cases[j].row));
      g_assert_true (gtk_widget_get_visible (error_group));
      hd_account_editor_set_account (fixture->editor, fixture->account);
    }

  /* Unknown senders without users created need a fallback user. */
  {
    g_autoptr (HdAccount) account = hd_account_new ();
    g_autoptr (GError) error = NULL;

    g_object_set (account, "name", "Support", "host", "imap.example.com", "username", "support",
                  "create-unknown-users", FALSE, NULL);
    hd_account_editor_set_account (fixture->editor, account);
    g_assert_false (hd_account_validate (account, &error));
    hd_account_editor_show_error (fixture->editor, error);
    g_assert_true (gtk_widget_has_css_class (child (fixture, "fallback_user_row"), "error"));
    g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (error_label)), ==,
                     "Ticket User if Unknown: unknown senders need a fallback user when new "
                     "users are not created");
    /* Changing any field takes the mark away. */
    g_object_set (account, "fallback-user", "carol", NULL);
    g_assert_false (gtk_widget_has_css_class (child (fixture, "fallback_user_row"), "error"));
    g_assert_false (gtk_widget_get_visible (error_group));
    hd_account_editor_set_account (fixture->editor, fixture->account);
  }
}

/* A poller on the session bus that says, per account, whether it pushes. */
static const char poller_xml[] =
  "<node><interface name='io.github.helpdeskmail.HelpDeskMail.Poller'>"
  "<property name='Accounts' type='a{sa{sv}}' access='read'/>"
  "<property name='StoreId' type='s' access='read'/>"
  "</interface></node>";

/* What the stand-in poller tells: its accounts, and which database it reads. */
typedef struct {
  GVariant *accounts;
  char *store_id;
} StandIn;

static GVariant *
poller_get_property_cb (GDBusConnection  *connection,
                        const char       *sender,
                        const char       *object_path,
                        const char       *interface_name,
                        const char       *property_name,
                        GError          **error,
                        gpointer          user_data)
{
  StandIn *stand_in = user_data;

  if (g_strcmp0 (property_name, "StoreId") == 0)
    return g_variant_new_string (stand_in->store_id);
  return g_variant_ref (stand_in->accounts);
}

static GVariant *
accounts_variant (const char *name,
                  gboolean    push)
{
  GVariantBuilder builder;
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "state", "s", "ok");
  g_variant_dict_insert (&dict, "push", "b", push);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sa{sv}}"));
  g_variant_builder_add (&builder, "{s@a{sv}}", name, g_variant_dict_end (&dict));
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

static const char *
mode_text (Fixture *fixture)
{
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (child (fixture, "mode_row")));
}

static void
wait_mode (HdAccountEditor *editor,
           const char      *text)
{
  GObject *row = gtk_widget_get_template_child (GTK_WIDGET (editor), HD_TYPE_ACCOUNT_EDITOR,
                                                "mode_row");

  while (g_strcmp0 (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), text) != 0)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_mode (Fixture       *fixture,
           gconstpointer  data)
{
  static const GDBusInterfaceVTable vtable = { NULL, poller_get_property_cb, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_autoptr (GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (poller_xml, &error);
  StandIn stand_in = { accounts_variant ("Support", TRUE), g_strdup ("another-database") };
  g_autoptr (HdPollerClient) client = NULL;
  guint object_id;
  guint owner_id;

  g_assert_no_error (error);
  /* With no poller, the interval is what applies, and it follows the field. */
  g_object_set (fixture->account, "name", "Support", "poll-interval", 60, NULL);
  g_assert_cmpstr (mode_text (fixture), ==, "Every 60 seconds");
  g_assert_true (gtk_widget_get_visible (child (fixture, "push_row")));
  g_object_set (fixture->account, "protocol", HD_PROTOCOL_POP3, NULL);
  g_assert_false (gtk_widget_get_visible (child (fixture, "push_row")));
  g_object_set (fixture->account, "protocol", HD_PROTOCOL_IMAP, NULL);

  /* A poller that holds an IDLE connection for an account of that name, in
   * another database: not this account, so its interval still applies. */
  object_id = g_dbus_connection_register_object (bus, "/io/github/helpdeskmail/HelpDeskMail/Poller",
                                                 info->interfaces[0], &vtable, &stand_in, NULL,
                                                 &error);
  g_assert_no_error (error);
  owner_id = g_bus_own_name_on_connection (bus, "io.github.helpdeskmail.HelpDeskMail.Poller",
                                           G_BUS_NAME_OWNER_FLAGS_NONE, NULL, NULL, NULL, NULL);
  client = hd_poller_client_new ();
  hd_account_editor_set_poller (fixture->editor, client);
  while (!hd_poller_client_get_running (client))
    g_main_context_iteration (NULL, TRUE);
  settle ();
  g_assert_cmpstr (mode_text (fixture), ==, "Every 60 seconds");

  /* The same poller reading this database: push is in use. The client reads
   * the properties anew when the poller comes back on the bus. */
  g_bus_unown_name (owner_id);
  while (hd_poller_client_get_running (client))
    g_main_context_iteration (NULL, TRUE);
  g_free (stand_in.store_id);
  stand_in.store_id = g_strdup (hd_store_get_id (fixture->store));
  owner_id = g_bus_own_name_on_connection (bus, "io.github.helpdeskmail.HelpDeskMail.Poller",
                                           G_BUS_NAME_OWNER_FLAGS_NONE, NULL, NULL, NULL, NULL);
  wait_mode (fixture->editor, "Push (IDLE)");

  /* Push turned off in the account: the interval again, whatever the poller said. */
  g_object_set (fixture->account, "push", FALSE, NULL);
  g_assert_cmpstr (mode_text (fixture), ==, "Every 60 seconds");
  g_object_set (fixture->account, "push", TRUE, NULL);
  g_assert_cmpstr (mode_text (fixture), ==, "Push (IDLE)");

  /* The poller goes: the interval is what applies. */
  g_bus_unown_name (owner_id);
  wait_mode (fixture->editor, "Every 60 seconds");

  hd_account_editor_set_poller (fixture->editor, NULL);
  g_dbus_connection_unregister_object (bus, object_id);
  g_variant_unref (stand_in.accounts);
  g_free (stand_in.store_id);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add ("/editor/text-fields", Fixture, NULL, fixture_set_up, test_text_fields,
              fixture_tear_down);
  g_test_add ("/editor/switches", Fixture, NULL, fixture_set_up, test_switches,
              fixture_tear_down);
  g_test_add ("/editor/numbers-and-choices", Fixture, NULL, fixture_set_up,
              test_numbers_and_choices, fixture_tear_down);
  g_test_add ("/editor/name-choosers", Fixture, NULL, fixture_set_up, test_name_choosers,
              fixture_tear_down);
  g_test_add ("/editor/insensitivity", Fixture, NULL, fixture_set_up, test_insensitivity,
              fixture_tear_down);
  g_test_add ("/editor/errors-on-their-field", Fixture, NULL, fixture_set_up,
              test_errors_on_their_field, fixture_tear_down);
  g_test_add ("/editor/mode", Fixture, NULL, fixture_set_up, test_mode, fixture_tear_down);

  return g_test_run ();
}

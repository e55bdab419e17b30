/* hd-name-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-name-row.h"

#include <glib/gi18n.h>

struct _HdNameRow
{
  AdwActionRow parent_instance;

  char *value;
  gboolean syncing;

  GtkDropDown *dropdown;
  GtkStringList *names;
};

G_DEFINE_FINAL_TYPE (HdNameRow, hd_name_row, ADW_TYPE_ACTION_ROW)

enum {
  PROP_0,
  PROP_VALUE,
  PROP_SEARCHABLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The first item is always "None"; a value is found from the second on. */
static guint
position_of (HdNameRow  *self,
             const char *value)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->names));

  if (value == NULL)
    return 0;
  for (guint i = 1; i < n; i++)
    {
      if (g_strcmp0 (gtk_string_list_get_string (self->names, i), value) == 0)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

static void
sync_selection (HdNameRow *self)
{
  guint position = position_of (self, self->value);

  /* A name the list does not hold any more (renamed or deleted elsewhere)
   * is still shown, so that saving does not drop it unasked. */
  if (position == GTK_INVALID_LIST_POSITION)
    {
      gtk_string_list_append (self->names, self->value);
      position = g_list_model_get_n_items (G_LIST_MODEL (self->names)) - 1;
    }
  self->syncing = TRUE;
  gtk_drop_down_set_selected (self->dropdown, position);
  self->syncing = FALSE;
}

static void
dropdown_selected_cb (HdNameRow *self)
{
  guint selected = gtk_drop_down_get_selected (self->dropdown);

  if (self->syncing || selected == GTK_INVALID_LIST_POSITION)
    return;

  hd_name_row_set_value (self, selected == 0 ? NULL
                                             : gtk_string_list_get_string (self->names, selected));
}

static void
title_changed_cb (HdNameRow *self)
{
  g_autoptr (GString) label = NULL;

  /* The drop-down is what has the focus; it is named after the row. */
  label = g_string_new (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self)));
  g_string_replace (label, "_", "", 1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->dropdown), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  label->str, -1);
}

static void
hd_name_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), HD_TYPE_NAME_ROW);

  G_OBJECT_CLASS (hd_name_row_parent_class)->dispose (object);
}

static void
hd_name_row_finalize (GObject *object)
{
  HdNameRow *self = HD_NAME_ROW (object);

  g_clear_pointer (&self->value, g_free);

  G_OBJECT_CLASS (hd_name_row_parent_class)->finalize (object);
}

static void
hd_name_row_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  HdNameRow *self = HD_NAME_ROW (object);

  switch (prop_id)
    {
    case PROP_VALUE:
      g_value_set_string (value, self->value);
      break;
    case PROP_SEARCHABLE:
      g_value_set_boolean (value, gtk_drop_down_get_enable_search (self->dropdown));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hd_name_row_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  HdNameRow *self = HD_NAME_ROW (object);

  switch (prop_id)
    {
    case PROP_VALUE:
      hd_name_row_set_value (self, g_value_get_string (value));
      break;
    case PROP_SEARCHABLE:
      gtk_drop_down_set_enable_search (self->dropdown, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hd_name_row_class_init (HdNameRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hd_name_row_dispose;
  object_class->finalize = hd_name_row_finalize;
  object_class->get_property = hd_name_row_get_property;
  object_class->set_property = hd_name_row_set_property;

  /**
   * HdNameRow:value:
   *
   * The chosen name, or %NULL for "None".
   */
  properties[PROP_VALUE] =
    g_param_spec_string ("value", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * HdNameRow:searchable:
   *
   * Whether the list has a search entry, for lists too long to scroll.
   */
  properties[PROP_SEARCHABLE] =
    g_param_spec_boolean ("searchable", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/helpdeskmail/HelpDeskMail/hd-name-row.ui");
  gtk_widget_class_bind_template_child (widget_class, HdNameRow, dropdown);
  gtk_widget_class_bind_template_child (widget_class, HdNameRow, names);
  gtk_widget_class_bind_template_callback (widget_class, dropdown_selected_cb);
}

static void
hd_name_row_init (HdNameRow *self)
{
  g_autoptr (GtkExpression) expression = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  /* The search of a drop-down matches the text this expression gives. */
  expression = gtk_property_expression_new (GTK_TYPE_STRING_OBJECT, NULL, "string");
  gtk_drop_down_set_expression (self->dropdown, expression);
  gtk_string_list_append (self->names, C_("chooser", "None"));
  g_signal_connect (self, "notify::title", G_CALLBACK (title_changed_cb), NULL);
}

/**
 * hd_name_row_get_value:
 *
 * Returns: (nullable): the chosen name, %NULL for "None"
 */
const char *
hd_name_row_get_value (HdNameRow *self)
{
  g_return_val_if_fail (HD_IS_NAME_ROW (self), NULL);

  return self->value;
}

/**
 * hd_name_row_set_value:
 * @value: (nullable): the name to choose, %NULL for "None"
 */
void
hd_name_row_set_value (HdNameRow  *self,
                       const char *value)
{
  g_return_if_fail (HD_IS_NAME_ROW (self));

  if (value != NULL && *value == '\0')
    value = NULL;
  if (g_strcmp0 (self->value, value) == 0)
    return;

  g_free (self->value);
  self->value = g_strdup (value);
  sync_selection (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALUE]);
}

/**
 * hd_name_row_set_names:
 * @names: (array zero-terminated=1): the names to choose from, after "None"
 */
void
hd_name_row_set_names (HdNameRow         *self,
                       const char *const *names)
{
  guint n;

  g_return_if_fail (HD_IS_NAME_ROW (self));

  n = g_list_model_get_n_items (G_LIST_MODEL (self->names));
  self->syncing = TRUE;
  gtk_string_list_splice (self->names, 1, n - 1, names);
  self->syncing = FALSE;
  sync_selection (self);
}

/**
 * hd_name_row_get_n_names:
 *
 * Returns: how many names the list offers, "None" not counted
 */
guint
hd_name_row_get_n_names (HdNameRow *self)
{
  g_return_val_if_fail (HD_IS_NAME_ROW (self), 0);

  return g_list_model_get_n_items (G_LIST_MODEL (self->names)) - 1;
}

/* hd-page-loader.c: one page of a list read in a worker thread on a store
 * connection of that thread, so that a long list never holds up the
 * window; a reload cancels the load before it, and "Load More" reads the
 * page before the oldest item shown.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-page-loader.h"

struct _HdPageLoader
{
  HdPageQuery query;
  HdPageShowFunc show;
  HdPageFailFunc fail;
  gpointer view; /* not owned: the view owns the loader */
  /* The running load; NULL when none runs. */
  GCancellable *cancellable;
  /* The id of the oldest item shown: "Load More" loads those before it. */
  gint64 oldest;
};

/* What a load's worker needs, plain copies, and what it finds. */
typedef struct {
  HdPageQuery query;
  char *path;
  gint64 before;
  guint limit;
  gboolean append;
  JsonNode *items;
  gboolean more;
} Load;

static void
load_free (Load *load)
{
  g_free (load->path);
  g_clear_pointer (&load->items, json_node_unref);
  g_free (load);
}

/**
 * hd_page_loader_new:
 * @view: the view that owns the loader; each load holds a reference on it
 *   until the page is shown
 */
HdPageLoader *
hd_page_loader_new (HdPageQuery    query,
                    HdPageShowFunc show,
                    HdPageFailFunc fail,
                    gpointer       view)
{
  HdPageLoader *self;

  g_return_val_if_fail (query != NULL && show != NULL && fail != NULL, NULL);
  g_return_val_if_fail (G_IS_OBJECT (view), NULL);

  self = g_new0 (HdPageLoader, 1);
  self->query = query;
  self->show = show;
  self->fail = fail;
  self->view = view;
  return self;
}

void
hd_page_loader_free (HdPageLoader *self)
{
  if (self == NULL)
    return;
  hd_page_loader_cancel (self);
  g_free (self);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Load *load = task_data;
  g_autoptr (HdStore) store = NULL;
  GError *error = NULL;
  JsonArray *items;

  /* A view that went before its load started opens nothing. */
  if (g_task_return_error_if_cancelled (task))
    return;
  store = hd_store_open (load->path, &error);
  /* One more than a page tells whether there is more. */
  if (store != NULL)
    load->items = load->query (store, load->before, load->limit + 1, cancellable, &error);
  if (load->items == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  items = json_node_get_array (load->items);
  load->more = json_array_get_length (items) > load->limit;
  while (json_array_get_length (items) > load->limit)
    json_array_remove_element (items, json_array_get_length (items) - 1);
  g_task_return_boolean (task, TRUE);
}

/* The page is read: shown, or its failure told, unless a newer load took
 * over or the view went (both cancel it). */
static void
load_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  HdPageLoader *self = user_data;
  Load *load = g_task_get_task_data (G_TASK (result));
  GCancellable *cancellable = g_task_get_cancellable (G_TASK (result));
  g_autoptr (GError) error = NULL;
  JsonArray *items;
  guint n;

  if (g_cancellable_is_cancelled (cancellable))
    return;
  g_clear_object (&self->cancellable);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      self->fail (self->view, error);
      return;
    }

  items = json_node_get_array (load->items);
  n = json_array_get_length (items);
  if (n > 0)
    self->oldest = json_object_get_int_member (json_array_get_object_element (items, n - 1),
                                               "id");
  else if (!load->append)
    self->oldest = 0;
  self->show (self->view, items, load->append, load->more);
}

static void
start (HdPageLoader *self,
       HdStore      *store,
       gboolean      append,
       guint         limit)
{
  g_autoptr (GTask) task = NULL;
  Load *data;

  hd_page_loader_cancel (self);
  self->cancellable = g_cancellable_new ();

  data = g_new0 (Load, 1);
  data->query = self->query;
  data->path = g_strdup (hd_store_get_path (store));
  data->before = append ? self->oldest : 0;
  data->limit = limit;
  data->append = append;

  /* The task holds the view, and with it this loader, until load_cb(). */
  task = g_task_new (self->view, self->cancellable, load_cb, self);
  g_task_set_source_tag (task, start);
  g_task_set_task_data (task, data, (GDestroyNotify) load_free);
  g_task_run_in_thread (task, load_thread);
}

/**
 * hd_page_loader_load:
 * @store: the view's store; the worker opens its own connection to its file
 * @limit: how many items a page holds
 *
 * Reads the newest page (a reload), cancelling the load that runs, if any.
 */
void
hd_page_loader_load (HdPageLoader *self,
                     HdStore      *store,
                     guint         limit)
{
  g_return_if_fail (self != NULL && HD_IS_STORE (store) && limit > 0);
  start (self, store, FALSE, limit);
}

/**
 * hd_page_loader_load_more:
 *
 * "Load More": reads the page before the oldest item shown. Ignored while a
 * load runs, so that a second click does not load the page twice.
 */
void
hd_page_loader_load_more (HdPageLoader *self,
                          HdStore      *store,
                          guint         limit)
{
  g_return_if_fail (self != NULL && HD_IS_STORE (store) && limit > 0);
  if (!hd_page_loader_is_loading (self))
    start (self, store, TRUE, limit);
}

/* Whether a load runs: a second "Load More" click meanwhile is ignored. */
gboolean
hd_page_loader_is_loading (HdPageLoader *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->cancellable != NULL;
}

void
hd_page_loader_cancel (HdPageLoader *self)
{
  g_return_if_fail (self != NULL);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
}

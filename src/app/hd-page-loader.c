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

HdPageLoader *
hd_page_loader_new (HdPageQuery query)
{
  HdPageLoader *self = g_new0 (HdPageLoader, 1);

  g_return_val_if_fail (query != NULL, NULL);
  self->query = query;
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

/**
 * hd_page_loader_load:
 * @source_object: the view, kept alive until @callback
 * @store: the view's store; the worker opens its own connection to its file
 * @append: %TRUE for the page before the oldest item shown ("Load More"),
 *   %FALSE for the newest page (a reload)
 * @limit: how many items a page holds
 *
 * Cancels the load that runs, if any, and starts this one.
 */
void
hd_page_loader_load (HdPageLoader        *self,
                     gpointer             source_object,
                     HdStore             *store,
                     gboolean             append,
                     guint                limit,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  Load *data;

  g_return_if_fail (self != NULL && HD_IS_STORE (store) && limit > 0);

  hd_page_loader_cancel (self);
  self->cancellable = g_cancellable_new ();

  data = g_new0 (Load, 1);
  data->query = self->query;
  data->path = g_strdup (hd_store_get_path (store));
  data->before = append ? self->oldest : 0;
  data->limit = limit;
  data->append = append;

  task = g_task_new (source_object, self->cancellable, callback, user_data);
  g_task_set_source_tag (task, hd_page_loader_load);
  g_task_set_task_data (task, data, (GDestroyNotify) load_free);
  g_task_run_in_thread (task, load_thread);
}

/**
 * hd_page_loader_load_finish:
 * @out_append: (out): whether the page goes below those shown
 * @out_more: (out): whether there are older items than this page
 *
 * Returns: (transfer none): the page, newest first, valid as long as
 *   @result; %NULL with @error, G_IO_ERROR_CANCELLED when a newer load
 *   took over or the view went
 */
JsonArray *
hd_page_loader_load_finish (HdPageLoader  *self,
                            GAsyncResult  *result,
                            gboolean      *out_append,
                            gboolean      *out_more,
                            GError       **error)
{
  Load *load;
  GCancellable *cancellable;
  JsonArray *items;
  guint n;

  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hd_page_loader_load, NULL);

  load = g_task_get_task_data (G_TASK (result));
  cancellable = g_task_get_cancellable (G_TASK (result));
  if (!g_task_propagate_boolean (G_TASK (result), error))
    {
      /* Only the load that runs is done; a cancelled one was superseded. */
      if (cancellable == self->cancellable && !g_cancellable_is_cancelled (cancellable))
        g_clear_object (&self->cancellable);
      return NULL;
    }
  if (cancellable != self->cancellable || g_cancellable_is_cancelled (cancellable))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "superseded");
      return NULL;
    }
  g_clear_object (&self->cancellable);

  items = json_node_get_array (load->items);
  n = json_array_get_length (items);
  if (n > 0)
    self->oldest = json_object_get_int_member (json_array_get_object_element (items, n - 1),
                                               "id");
  else if (!load->append)
    self->oldest = 0;
  *out_append = load->append;
  *out_more = load->more;
  return items;
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

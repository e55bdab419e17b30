/* hd-page-loader.h: one page of a list (tickets, the poll log) read in a
 * worker thread, newest first, and "Load More" for the page before.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "hd-store.h"

G_BEGIN_DECLS

/**
 * HdPageQuery:
 * @store: a store connection of the worker thread
 * @before: only items with an id below this; 0 for the newest
 * @limit: at most this many items
 * @cancellable: (nullable): cancels the query between items
 * @error: return location for a #GError
 *
 * Reads one page, newest first; each item is a JSON object with an "id".
 *
 * Returns: (transfer full): a JSON array node, or %NULL with @error
 */
typedef JsonNode *(*HdPageQuery) (HdStore       *store,
                                  gint64         before,
                                  guint          limit,
                                  GCancellable  *cancellable,
                                  GError       **error);

/**
 * HdPageShowFunc:
 * @view: the view given to hd_page_loader_new()
 * @items: (transfer none): the page, newest first
 * @append: whether the page goes below those shown ("Load More")
 * @more: whether there are older items than this page
 *
 * Shows a page that was read; not called for a load that a newer one took
 * over or that hd_page_loader_cancel() ended.
 */
typedef void (*HdPageShowFunc) (gpointer   view,
                                JsonArray *items,
                                gboolean   append,
                                gboolean   more);

/**
 * HdPageFailFunc:
 * @view: the view given to hd_page_loader_new()
 * @error: why the page could not be read
 */
typedef void (*HdPageFailFunc) (gpointer      view,
                                const GError *error);

typedef struct _HdPageLoader HdPageLoader;

HdPageLoader *hd_page_loader_new        (HdPageQuery     query,
                                         HdPageShowFunc  show,
                                         HdPageFailFunc  fail,
                                         gpointer        view);
void          hd_page_loader_free       (HdPageLoader   *self);
void          hd_page_loader_load       (HdPageLoader   *self,
                                         HdStore        *store,
                                         guint           limit);
void          hd_page_loader_load_more  (HdPageLoader   *self,
                                         HdStore        *store,
                                         guint           limit);
gboolean      hd_page_loader_is_loading (HdPageLoader   *self);
void          hd_page_loader_cancel     (HdPageLoader   *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HdPageLoader, hd_page_loader_free)

G_END_DECLS

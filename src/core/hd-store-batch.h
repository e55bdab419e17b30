/* hd-store-batch.h: one unit of work on the store: a write transaction that
 * whoever writes in it receives as a parameter.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hd-store.h"

G_BEGIN_DECLS

#define HD_TYPE_STORE_BATCH (hd_store_batch_get_type ())

G_DECLARE_FINAL_TYPE (HdStoreBatch, hd_store_batch, HD, STORE_BATCH, GObject)

HdStoreBatch *hd_store_batch_begin (HdStore  *store,
                                    GError  **error);
HdStore      *hd_store_batch_get_store (HdStoreBatch *self);
gboolean      hd_store_batch_is_open (HdStoreBatch *self);
guint         hd_store_batch_savepoint (HdStoreBatch  *self,
                                        GError       **error);
gboolean      hd_store_batch_release (HdStoreBatch  *self,
                                      guint          savepoint,
                                      GError       **error);
void          hd_store_batch_rollback_to (HdStoreBatch *self,
                                          guint         savepoint);
gboolean      hd_store_batch_commit (HdStoreBatch  *self,
                                     GError       **error);
void          hd_store_batch_rollback (HdStoreBatch *self);

G_END_DECLS

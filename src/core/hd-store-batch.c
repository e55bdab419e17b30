/* hd-store-batch.c
 *
 * A batch owns the one write transaction of its store connection from
 * BEGIN IMMEDIATE to COMMIT or ROLLBACK. Whoever writes in it receives it:
 * savepoints are asked of the batch, which numbers them, so that no caller
 * relies on a savepoint name that someone else opened. A batch that is
 * dropped while still open rolls back: nothing half-written is committed by
 * accident.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-store-batch.h"

#include <glib/gi18n-lib.h>

#include "hd-store-private.h"

struct _HdStoreBatch
{
  GObject parent_instance;

  HdStore *store;
  gboolean open;
  guint depth;      /* savepoints open inside the transaction */
};

G_DEFINE_FINAL_TYPE (HdStoreBatch, hd_store_batch, G_TYPE_OBJECT)

static gboolean
run (HdStoreBatch *self,
     const char   *sql,
     GError      **error)
{
  return hd_store_exec (self->store, sql, error);
}

static void
hd_store_batch_dispose (GObject *object)
{
  HdStoreBatch *self = HD_STORE_BATCH (object);

  if (self->open)
    hd_store_batch_rollback (self);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (hd_store_batch_parent_class)->dispose (object);
}

static void
hd_store_batch_class_init (HdStoreBatchClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = hd_store_batch_dispose;
}

static void
hd_store_batch_init (HdStoreBatch *self)
{
}

/**
 * hd_store_batch_begin:
 * @store: a store connection, used by the calling thread only
 *
 * Starts a write transaction at once (BEGIN IMMEDIATE), so that two writers
 * queue at the start (the store's busy handler waits up to 30 s) instead of
 * one failing at its first write.
 *
 * Returns: (transfer full) (nullable): the open batch, or %NULL with @error
 */
HdStoreBatch *
hd_store_batch_begin (HdStore  *store,
                      GError  **error)
{
  g_autoptr (HdStoreBatch) self = NULL;

  g_return_val_if_fail (HD_IS_STORE (store), NULL);
  g_return_val_if_fail (!hd_store_in_transaction (store), NULL);

  self = g_object_new (HD_TYPE_STORE_BATCH, NULL);
  self->store = g_object_ref (store);
  if (!run (self, "BEGIN IMMEDIATE", error))
    return NULL;
  self->open = TRUE;
  return g_steal_pointer (&self);
}

/**
 * hd_store_batch_get_store:
 *
 * Returns: (transfer none): the connection the batch writes on
 */
HdStore *
hd_store_batch_get_store (HdStoreBatch *self)
{
  g_return_val_if_fail (HD_IS_STORE_BATCH (self), NULL);
  return self->store;
}

gboolean
hd_store_batch_is_open (HdStoreBatch *self)
{
  g_return_val_if_fail (HD_IS_STORE_BATCH (self), FALSE);
  return self->open;
}

/**
 * hd_store_batch_savepoint:
 *
 * A nested transaction inside the batch, so that one mail that fails to
 * store does not undo the others of its batch.
 *
 * Returns: the savepoint's number for release or rollback, 0 on error
 */
guint
hd_store_batch_savepoint (HdStoreBatch  *self,
                          GError       **error)
{
  g_autofree char *sql = NULL;

  g_return_val_if_fail (HD_IS_STORE_BATCH (self), 0);
  g_return_val_if_fail (self->open, 0);

  sql = g_strdup_printf ("SAVEPOINT hd_%u", self->depth + 1);
  if (!run (self, sql, error))
    return 0;
  return ++self->depth;
}

gboolean
hd_store_batch_release (HdStoreBatch  *self,
                        guint          savepoint,
                        GError       **error)
{
  g_autofree char *sql = NULL;

  g_return_val_if_fail (HD_IS_STORE_BATCH (self), FALSE);
  g_return_val_if_fail (savepoint > 0 && savepoint == self->depth, FALSE);

  sql = g_strdup_printf ("RELEASE hd_%u", savepoint);
  if (!run (self, sql, error))
    return FALSE;
  self->depth--;
  return TRUE;
}

void
hd_store_batch_rollback_to (HdStoreBatch *self,
                            guint         savepoint)
{
  g_autofree char *sql = NULL;

  g_return_if_fail (HD_IS_STORE_BATCH (self));
  g_return_if_fail (savepoint > 0 && savepoint <= self->depth);

  sql = g_strdup_printf ("ROLLBACK TO hd_%u; RELEASE hd_%u", savepoint, savepoint);
  run (self, sql, NULL);
  self->depth = savepoint - 1;
}

/**
 * hd_store_batch_commit:
 *
 * Commits everything the batch holds. When the COMMIT fails, the batch is
 * rolled back as a whole: nothing of it was stored.
 *
 * Returns: %TRUE when every write of the batch is in the database
 */
gboolean
hd_store_batch_commit (HdStoreBatch  *self,
                       GError       **error)
{
  g_return_val_if_fail (HD_IS_STORE_BATCH (self), FALSE);
  g_return_val_if_fail (self->open, FALSE);

  if (!run (self, "COMMIT", error))
    {
      hd_store_batch_rollback (self);
      return FALSE;
    }
  self->open = FALSE;
  self->depth = 0;
  return TRUE;
}

void
hd_store_batch_rollback (HdStoreBatch *self)
{
  g_return_if_fail (HD_IS_STORE_BATCH (self));

  if (!self->open)
    return;
  if (hd_store_in_transaction (self->store))
    run (self, "ROLLBACK", NULL);
  self->open = FALSE;
  self->depth = 0;
}

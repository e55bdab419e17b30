/* hd-store-private.h: what the hd-store-*.c files share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <sqlite3.h>

#include "hd-store.h"

G_BEGIN_DECLS

/* A statement from hd_store_prepare(): a plain sqlite3_stmt to step, bind and
 * read, that g_autoptr (HdStoreStmt) gives back to the store's cache instead
 * of finalizing it. */
typedef sqlite3_stmt HdStoreStmt;

sqlite3      *hd_store_get_db (HdStore *self);
gboolean      hd_store_exec (HdStore    *self,
                             const char *sql,
                             GError    **error);
HdStoreStmt  *hd_store_prepare (HdStore    *self,
                                const char *sql,
                                GError    **error);
HdStoreStmt  *hd_store_prepare_uncached (HdStore    *self,
                                         const char *sql,
                                         GError    **error);
void          hd_store_stmt_release (HdStoreStmt *stmt);
guint         hd_store_count_cached (HdStore    *self,
                                     const char *sql);
gboolean      hd_store_step_done (HdStore      *self,
                                  sqlite3_stmt *stmt,
                                  GError      **error);
gboolean      hd_store_set_error (HdStore *self,
                                  int      rc,
                                  GError **error);
void          hd_store_bind_text (sqlite3_stmt *stmt,
                                  int           index,
                                  const char   *text);
const char   *hd_store_column_text (sqlite3_stmt *stmt,
                                    int           index);
void          hd_store_bind_id (sqlite3_stmt *stmt,
                                int           index,
                                gint64        id);
char         *hd_store_now (void);

/* hd-store-statements.c */
typedef struct _HdStoreStatements HdStoreStatements;

HdStoreStatements *hd_store_statements_new (sqlite3 *db);
void               hd_store_statements_free (HdStoreStatements *self);
sqlite3_stmt      *hd_store_statements_take (HdStoreStatements *self,
                                             const char        *sql,
                                             int               *out_rc);
guint              hd_store_statements_count_idle (HdStoreStatements *self,
                                                   const char        *sql);

/* hd-store-blob.c */
GOutputStream *hd_store_open_blob_writer (HdStore     *store,
                                          const char  *table,
                                          const char  *column,
                                          gint64       rowid,
                                          goffset      size,
                                          GError     **error);
gint64         hd_store_add_raw_copy (HdStore       *store,
                                      GInputStream  *input,
                                      goffset        size,
                                      GError       **error);
gboolean       hd_store_fill_blob (HdStore       *store,
                                   const char    *table,
                                   const char    *column,
                                   gint64         rowid,
                                   GInputStream  *input,
                                   goffset        size,
                                   GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HdStoreStmt, hd_store_stmt_release)

G_END_DECLS

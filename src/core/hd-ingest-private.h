/* hd-ingest-private.h: what the files of hd-ingest share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hd-ingest.h"

G_BEGIN_DECLS

gint64 hd_ingest_apply_ticket (HdStore                *store,
                               HdAccount              *account,
                               gint64                  account_id,
                               gint64                  run_id,
                               HdMessage              *message,
                               GInputStream           *raw,
                               goffset                 raw_size,
                               const HdIngestDecision *decision,
                               gint64                 *out_step_id,
                               GError                **error);

G_END_DECLS

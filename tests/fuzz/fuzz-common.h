/* fuzz-common.h: what the libFuzzer targets share.
 *
 * Each target is one fuzz-NAME.c with LLVMFuzzerTestOneInput(). Built with
 * -Dfuzzing=true (clang, `./dev fuzz`) it links libFuzzer; in the normal
 * build it links replay.c instead, and the unit suite feeds it every seed
 * and every input that once crashed it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

#include "hd-ingest.h"
#include "hd-store.h"

G_BEGIN_DECLS

int LLVMFuzzerInitialize (int    *argc,
                          char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* A helpdesk in a temporary folder: the accounts Support and Sales, the user
 * carol and one ticket from her, which a mail may name or answer. */
typedef struct
{
  char *dir;
  HdStore *store;
  HdAccount *account;   /* Support, as stored */
  gint64 run_id;
  gint64 ticket_id;
  char *token;          /* the ticket's reference letters */
} FuzzHelpdesk;

/* In the seeds, this stands for the letters of the seeded ticket, which are
 * random, so that a fuzzer can reach "the reference matches". */
#define FUZZ_TOKEN_PLACEHOLDER "@TOKEN@"
#define FUZZ_SEED_MESSAGE_ID   "<seed-1@example.org>"

void          fuzz_init (void);
FuzzHelpdesk *fuzz_helpdesk_get (void);
GBytes       *fuzz_with_token (FuzzHelpdesk  *helpdesk,
                               const uint8_t *data,
                               size_t         size);

G_END_DECLS

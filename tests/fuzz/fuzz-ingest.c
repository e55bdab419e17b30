/* fuzz-ingest.c: the ingest decision on any parsed mail, against a seeded
 * helpdesk, for one of four account settings that the mail's bytes choose
 * (all four for each mail ran at a quarter of the speed). The decision only
 * reads the store.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fuzz-common.h"

static HdAccount *accounts[4];

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  FuzzHelpdesk *helpdesk;

  fuzz_init ();
  helpdesk = fuzz_helpdesk_get ();

  /* Same account, as the window may have it before it is saved: each
   * variant reaches other rules. */
  accounts[0] = hd_account_copy (helpdesk->account);
  accounts[1] = hd_account_copy (helpdesk->account);
  g_object_set (accounts[1], "no-new-tickets", TRUE, NULL);
  accounts[2] = hd_account_copy (helpdesk->account);
  g_object_set (accounts[2], "auto-bundle", FALSE, "auto-answer-template", "default", NULL);
  accounts[3] = hd_account_copy (helpdesk->account);
  g_object_set (accounts[3], "create-unknown-users", FALSE, "fallback-user", "carol",
                "create-customer-from-domain", TRUE, NULL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  FuzzHelpdesk *helpdesk = fuzz_helpdesk_get ();
  g_autoptr (GBytes) bytes = fuzz_with_token (helpdesk, data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (HdMessage) message = hd_message_new_from_bytes (bytes, &error);
  g_autoptr (HdIngestDecision) decision = NULL;
  g_autoptr (JsonNode) preview = NULL;
  g_autofree char *text = NULL;
  guint32 hash = 2166136261u;
  guint variant;

  if (message == NULL)
    return 0;

  /* FNV-1a: the same bytes always choose the same account. */
  for (size_t i = 0; i < size; i++)
    hash = (hash ^ data[i]) * 16777619u;
  variant = hash % G_N_ELEMENTS (accounts);

  decision = hd_ingest_decide (helpdesk->store, accounts[variant], helpdesk->run_id, message,
                               &error);
  g_assert (decision != NULL);
  g_assert (error == NULL);
  g_assert (decision->reason != NULL);
  g_assert (hd_ingest_action_to_string (decision->action) != NULL);
  if (decision->action == HD_INGEST_ADD_STEP || decision->action == HD_INGEST_BUNDLE)
    g_assert (decision->ticket_id == helpdesk->ticket_id);
  /* accounts[1] creates no new tickets. */
  g_assert (variant != 1 || decision->action != HD_INGEST_NEW_TICKET);

  preview = hd_ingest_preview_to_json ("fuzz.eml", message, accounts[variant], decision);
  g_assert (preview != NULL);
  text = json_to_string (preview, FALSE);
  g_assert (g_utf8_validate (text, -1, NULL));
  return 0;
}

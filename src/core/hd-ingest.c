/* hd-ingest.c: what one message becomes, decided without writing anything.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-ingest.h"

#include <glib/gi18n-lib.h>
/* PRId64: xgettext reads it in a translatable string, G_GINT64_FORMAT it cannot. */
#include <inttypes.h>
#include <string.h>

#include "hd-bounce.h"
#include "hd-ingest-private.h"
#include "hd-settings.h"
#include "hd-store-polls.h"
#include "hd-store-tickets.h"

static const char *const action_names[] = {
  "new-ticket",
  "add-step",
  "bundle",
  "skip-no-new-tickets",
  "skip-other-account",
  "skip-duplicate",
  "reject-invalid-reference",
  "bounce",
};

const char *
hd_ingest_action_to_string (HdIngestAction action)
{
  g_return_val_if_fail (action <= HD_INGEST_BOUNCE, NULL);
  return action_names[action];
}

/* Whether the message ends up in a ticket. */
gboolean
hd_ingest_action_imports (HdIngestAction action)
{
  return action == HD_INGEST_NEW_TICKET || action == HD_INGEST_ADD_STEP
         || action == HD_INGEST_BUNDLE || action == HD_INGEST_BOUNCE;
}

/**
 * hd_ingest_action_deletes:
 *
 * Whether the server's copy is removed once the decision is committed: when
 * the mail is stored (in a ticket, or with its raw copy in the poll log), or
 * when another account or an earlier import holds it. Mail that creates
 * nothing because new tickets are off stays on the server.
 */
gboolean
hd_ingest_action_deletes (HdIngestAction action)
{
  return action != HD_INGEST_SKIP_NO_NEW_TICKETS;
}

void
hd_ingest_decision_free (HdIngestDecision *decision)
{
  if (decision == NULL)
    return;
  g_free (decision->reason);
  g_free (decision->user);
  g_free (decision->new_user_email);
  g_free (decision->customer);
  g_free (decision->auto_answer_reason);
  g_free (decision->failed_recipient);
  g_free (decision->delivery_status);
  g_free (decision);
}

static HdIngestDecision *
decide (HdIngestAction action,
        gint64         ticket_id,
        char          *reason)
{
  HdIngestDecision *decision = g_new0 (HdIngestDecision, 1);

  decision->action = action;
  decision->ticket_id = ticket_id;
  decision->reason = reason;
  return decision;
}

/* The From address, or when From has none usable, Reply-To, Sender or
 * Return-Path (hd_message_get_sender_address() knows the order). */
static const char *
from_address (HdMessage *message)
{
  return hd_message_get_sender_address (message);
}

/* The enabled account whose account address comes first in To, then Cc. */
static HdAccount *
first_addressed_account (GPtrArray *accounts,
                         HdMessage *message,
                         char     **out_address)
{
  GPtrArray *lists[] = { hd_message_get_to (message), hd_message_get_cc (message) };

  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    {
      for (guint i = 0; lists[l] != NULL && i < lists[l]->len; i++)
        {
          const HdMessageAddress *to = lists[l]->pdata[i];

          for (guint a = 0; a < accounts->len; a++)
            {
              HdAccount *account = accounts->pdata[a];
              const char *address = hd_account_get_account_address (account);

              if (hd_account_get_enabled (account) && address != NULL
                  && g_ascii_strcasecmp (address, to->address) == 0)
                {
                  *out_address = g_strdup (to->address);
                  return account;
                }
            }
        }
    }
  return NULL;
}

static gboolean
is_own_address (GPtrArray  *accounts,
                const char *address)
{
  for (guint a = 0; a < accounts->len; a++)
    {
      HdAccount *account = accounts->pdata[a];

      if (g_ascii_strcasecmp (address, hd_account_get_account_address (account) ?: "") == 0
          || g_ascii_strcasecmp (address, hd_account_get_sender_address (account) ?: "") == 0
          || g_ascii_strcasecmp (address, hd_account_get_username (account)) == 0)
        return TRUE;
    }
  return FALSE;
}

/**
 * hd_ingest_under_daily_cap:
 * @out_cap: (out) (optional): the cap of the settings
 *
 * Whether @recipient got fewer automatic mails today than
 * auto_emails.max_per_sender_per_day allows. The poll asks again right
 * before each send, as a batch may hold several mails of one sender.
 */
gboolean
hd_ingest_under_daily_cap (HdStore    *store,
                           const char *recipient,
                           guint      *out_cap)
{
  guint cap = hd_settings_get_max_per_sender_per_day (store);

  if (out_cap != NULL)
    *out_cap = cap;
  return hd_store_count_sent_today (store, recipient) < cap;
}

/**
 * hd_ingest_snapshot_init:
 *
 * Reads once what every decision of a poll needs: the account's id, every
 * account, and the auto-answer settings.
 */
gboolean
hd_ingest_snapshot_init (HdIngestSnapshot  *snapshot,
                         HdStore           *store,
                         HdAccount         *account,
                         GError           **error)
{
  snapshot->account_id = hd_store_get_account_id (store, hd_account_get_name (account), error);
  if (snapshot->account_id == 0)
    return FALSE;
  snapshot->accounts = hd_store_list_accounts (store, error);
  if (snapshot->accounts == NULL)
    return FALSE;
  snapshot->auto_answers_on = hd_settings_get_auto_answers_enabled (store);
  snapshot->daily_cap = hd_settings_get_max_per_sender_per_day (store);
  return TRUE;
}

void
hd_ingest_snapshot_clear (HdIngestSnapshot *snapshot)
{
  g_clear_pointer (&snapshot->accounts, g_ptr_array_unref);
}

/* The RFC 3834 loop guards, and ours: may an automatic mail go to the sender? */
static gboolean
may_answer (HdStore                *store,
            const HdIngestSnapshot *snapshot,
            HdMessage              *message,
            char                  **reason)
{
  g_autofree char *auto_reason = NULL;
  const char *sender = from_address (message);
  guint cap = snapshot->daily_cap;

  if (!snapshot->auto_answers_on)
    {
      *reason = g_strdup (_("auto emails are off"));
      return FALSE;
    }
  if (sender == NULL)
    {
      *reason = g_strdup (_("the mail has no sender address"));
      return FALSE;
    }
  if (hd_message_is_auto_generated (message, &auto_reason))
    {
      *reason = g_strdup_printf (_("the mail is automatic (%s)"), auto_reason);
      return FALSE;
    }
  if (is_own_address (snapshot->accounts, sender))
    {
      *reason = g_strdup_printf (_("%s is one of our own addresses"), sender);
      return FALSE;
    }
  if (hd_store_count_sent_today (store, sender) >= cap)
    {
      *reason = g_strdup_printf (_("%s already got %u automatic mails today"), sender, cap);
      return FALSE;
    }
  *reason = g_strdup_printf (_("answered to %s"), sender);
  return TRUE;
}

static gint64
find_thread_ticket (HdStore    *store,
                    HdMessage  *message,
                    const char **out_id)
{
  const char *in_reply_to = hd_message_get_in_reply_to (message);
  const char *const *references = hd_message_get_references (message);
  gint64 ticket = hd_store_find_ticket_by_message_id (store, in_reply_to);

  if (ticket != 0)
    {
      *out_id = in_reply_to;
      return ticket;
    }
  /* References lists the thread oldest first; the newest is the best match. */
  for (int i = references ? (int) g_strv_length ((GStrv) references) - 1 : -1; i >= 0; i--)
    {
      ticket = hd_store_find_ticket_by_message_id (store, references[i]);
      if (ticket != 0)
        {
          *out_id = references[i];
          return ticket;
        }
    }
  return 0;
}

/* Fills in who a new ticket belongs to. */
static void
choose_user (HdStore          *store,
             HdAccount        *account,
             HdMessage        *message,
             gboolean          may_create,
             HdIngestDecision *decision,
             GString          *reason)
{
  const char *sender = from_address (message);
  const char *fallback = hd_account_get_fallback_user (account);
  const char *at = sender ? strrchr (sender, '@') : NULL;

  if (may_create && hd_account_get_create_customer_from_domain (account) && at != NULL
      && at[1] != '\0')
    {
      decision->customer = g_ascii_strdown (at + 1, -1);
      g_string_append_printf (reason, _("; customer %s from the sender's domain"),
                              decision->customer);
    }

  if (sender != NULL && (decision->user = hd_store_dup_user_name_for_email (store, sender)) != NULL)
    g_string_append_printf (reason, _("; the sender is the known user %s"), decision->user);
  else if (may_create && sender != NULL && hd_account_get_create_unknown_users (account))
    {
      g_autofree char *local = g_strndup (sender, at ? (gsize) (at - sender) : strlen (sender));

      decision->new_user_email = g_strdup (sender);
      decision->user = hd_store_lookup_name (store, HD_ENTITY_USERS, local) != 0
                         ? g_strdup (sender)
                         : g_steal_pointer (&local);
      g_string_append_printf (reason, _("; new user %s for the unknown sender"), decision->user);
    }
  else if (fallback != NULL)
    {
      decision->user = g_strdup (fallback);
      g_string_append_printf (reason, _("; the fallback user %s, as the sender is unknown"),
                              fallback);
    }
  else if (!may_create)
    g_string_append (reason, _("; no user, as an automatic mail creates none"));
  else
    g_string_append (reason, _("; no user, as the mail has no sender address"));

  if (sender != NULL && g_strcmp0 (hd_message_get_sender_source (message), "From") != 0)
    g_string_append_printf (reason, _(" (the sender address is from %s, as From has none)"),
                            hd_message_get_sender_source (message));
}

/* Where a bounce goes: the ticket of the mail that bounced, found by its
 * Message-ID (a step, or a mail we sent), by the reference in its subject
 * or the bounce's, or by the bounce's own thread headers. */
static HdIngestDecision *
decide_bounce (HdStore   *store,
               HdAccount *account,
               HdMessage *message,
               HdBounce  *bounce)
{
  g_autoptr (GString) reason = g_string_new (NULL);
  const char *fallback = hd_account_get_fallback_user (account);
  const char *thread_id = NULL;
  HdIngestDecision *decision;
  gboolean has_keyword;
  gint64 ticket = 0;

  g_string_append_printf (reason, _("a bounce (%s): "), bounce->shape);
  if (bounce->failed_recipient != NULL)
    g_string_append_printf (reason, _("not delivered to %s"), bounce->failed_recipient);
  else
    g_string_append (reason, _("not delivered"));
  if (bounce->status != NULL)
    g_string_append_printf (reason, _(", status %s"), bounce->status);

  ticket = hd_store_find_ticket_by_message_id (store, bounce->original_message_id);
  if (ticket != 0)
    g_string_append_printf (reason, _("; the bounced mail %s belongs to ticket %" PRId64),
                            bounce->original_message_id, ticket);
  if (ticket == 0 && bounce->original_subject != NULL)
    {
      ticket = hd_ingest_find_reference (store, bounce->original_subject, &has_keyword);
      if (ticket != 0)
        g_string_append_printf (reason, _("; the subject of the bounced mail names ticket %"
                                          PRId64), ticket);
    }
  if (ticket == 0)
    {
      ticket = hd_ingest_find_reference (store, hd_message_get_subject (message), &has_keyword);
      if (ticket != 0)
        g_string_append_printf (reason, _("; its subject names ticket %" PRId64), ticket);
    }
  if (ticket == 0 && (ticket = find_thread_ticket (store, message, &thread_id)) != 0)
    g_string_append_printf (reason, _("; it answers %s, a message of ticket %" PRId64),
                            thread_id, ticket);

  if (ticket == 0)
    {
      if (fallback != NULL)
        g_string_append_printf (reason, _("; no ticket of ours matches it: a new ticket, marked "
                                          "as a bounce, for the fallback user %s"), fallback);
      else
        g_string_append (reason, _("; no ticket of ours matches it: a new ticket, marked as a "
                                   "bounce, for no user"));
    }

  decision = decide (HD_INGEST_BOUNCE, ticket, g_string_free (g_steal_pointer (&reason), FALSE));
  decision->user = ticket == 0 ? g_strdup (fallback) : NULL;
  decision->failed_recipient = g_strdup (bounce->failed_recipient);
  decision->delivery_status = bounce->diagnostic != NULL && bounce->status != NULL
                                ? g_strdup_printf ("%s (%s)", bounce->status, bounce->diagnostic)
                                : g_strdup (bounce->status ?: bounce->diagnostic);
  decision->auto_answer_reason = g_strdup (_("a bounce is never answered"));
  return decision;
}

/**
 * hd_ingest_decide:
 * @run_id: the poll run the message belongs to; for a preview, %G_MAXINT64
 *   ("the next run")
 *
 * Applies the rules in order: meant for another account, duplicate, ticket
 * reference in the subject, reply to a known message, no new tickets,
 * auto-bundle, new ticket. Writes nothing.
 *
 * Returns: (transfer full): the decision, with its reason in words
 */
HdIngestDecision *
hd_ingest_decide (HdStore    *store,
                  HdAccount  *account,
                  gint64      run_id,
                  HdMessage  *message,
                  GError    **error)
{
  return hd_ingest_decide_forced (store, account, run_id, message, HD_INGEST_RULES_ALL, error);
}

/**
 * hd_ingest_decide_forced:
 * @force: the rules to set aside
 *
 * hd_ingest_decide(), with the rules of @force taken as passed.
 *
 * Returns: (transfer full): the decision, with its reason in words
 */
HdIngestDecision *
hd_ingest_decide_forced (HdStore       *store,
                         HdAccount     *account,
                         gint64         run_id,
                         HdMessage     *message,
                         HdIngestForce  force,
                         GError       **error)
{
  HdIngestSnapshot snapshot = { 0 };
  HdIngestDecision *decision;

  g_return_val_if_fail (HD_IS_STORE (store), NULL);
  g_return_val_if_fail (HD_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (HD_IS_MESSAGE (message), NULL);

  if (!hd_ingest_snapshot_init (&snapshot, store, account, error))
    return NULL;
  decision = hd_ingest_decide_with (store, account, &snapshot, run_id, message, force, error);
  hd_ingest_snapshot_clear (&snapshot);
  return decision;
}

/* The rules over one snapshot of the accounts and settings. */
HdIngestDecision *
hd_ingest_decide_with (HdStore                *store,
                       HdAccount              *account,
                       const HdIngestSnapshot *snapshot,
                       gint64                  run_id,
                       HdMessage              *message,
                       HdIngestForce           force,
                       GError                **error)
{
  GPtrArray *accounts = snapshot->accounts;
  gint64 account_id = snapshot->account_id;
  g_autoptr (GString) reason = NULL;
  g_autofree char *addressed = NULL;
  g_autoptr (HdBounce) bounce = NULL;
  const char *message_id = hd_message_get_message_id (message);
  const char *subject = hd_message_get_subject (message);
  const char *thread_id = NULL;
  HdAccount *owner;
  HdIngestDecision *decision;
  gboolean has_keyword;
  gint64 ticket;

  owner = (force & HD_INGEST_FORCE_NOT_OTHER_ACCOUNT) ? NULL
          : first_addressed_account (accounts, message, &addressed);
  if (owner != NULL && !g_str_equal (hd_account_get_name (owner), hd_account_get_name (account)))
    return decide (HD_INGEST_SKIP_OTHER_ACCOUNT, 0,
                   g_strdup_printf (_("addressed first to %s, which the account “%s” imports"),
                                    addressed, hd_account_get_name (owner)));

  if (!(force & HD_INGEST_FORCE_NOT_DUPLICATE) && hd_store_message_id_imported (store, message_id))
    return decide (HD_INGEST_SKIP_DUPLICATE, hd_store_find_ticket_by_message_id (store, message_id),
                   g_strdup_printf (_("the Message-ID %s was imported before"), message_id));

  bounce = hd_bounce_detect (message);
  if (bounce != NULL && bounce->kind == HD_BOUNCE_DELIVERY_FAILURE)
    return decide_bounce (store, account, message, bounce);

  ticket = hd_ingest_find_reference (store, subject, &has_keyword);
  if (ticket != 0)
    {
      g_autofree char *token = hd_store_dup_ticket_token (store, ticket);
      g_autofree char *ref = hd_store_format_reference (store, ticket, token);
      return decide (HD_INGEST_ADD_STEP, ticket,
                     g_strdup_printf (_("matched %s in the subject"), ref));
    }
  if (has_keyword && !(force & HD_INGEST_FORCE_TICKET))
    {
      decision = decide (HD_INGEST_REJECT_INVALID_REFERENCE, 0,
                         g_strdup (_("the subject carries a ticket reference whose number and "
                                     "letters match no ticket")));
      decision->auto_answer = may_answer (store, snapshot, message, &decision->auto_answer_reason);
      return decision;
    }

  ticket = find_thread_ticket (store, message, &thread_id);
  if (ticket != 0)
    return decide (HD_INGEST_ADD_STEP, ticket,
                   g_strdup_printf (_("it answers %s, a message of ticket %" PRId64),
                                    thread_id, ticket));

  if (hd_account_get_no_new_tickets (account) && !(force & HD_INGEST_FORCE_TICKET))
    return decide (HD_INGEST_SKIP_NO_NEW_TICKETS, 0,
                   g_strdup (_("no valid ticket reference, and the account creates no new "
                               "tickets; the mail stays on the server")));

  if (hd_account_get_auto_bundle (account))
    {
      ticket = hd_store_find_bundle_ticket (store, account_id, from_address (message), subject,
                                            run_id);
      if (ticket != 0)
        return decide (HD_INGEST_BUNDLE, ticket,
                       g_strdup_printf (_("same sender and subject as ticket %" PRId64
                                          ", created in this or the previous poll"),
                                        ticket));
    }

  reason = g_string_new (_("no ticket reference and no known thread: a new ticket"));
  decision = decide (HD_INGEST_NEW_TICKET, 0, NULL);
  /* An out-of-office reply that found no ticket still makes none of its
   * sender a user: a person who wants help writes again. */
  if (bounce != NULL)
    g_string_append_printf (reason, _("; an automatic reply (%s)"), bounce->shape);
  choose_user (store, account, message, bounce == NULL, decision, reason);
  decision->reason = g_string_free (g_steal_pointer (&reason), FALSE);

  if (hd_account_get_auto_answer_template (account) == NULL)
    decision->auto_answer_reason = g_strdup (_("the account has no auto-answer template"));
  else
    decision->auto_answer = may_answer (store, snapshot, message, &decision->auto_answer_reason);

  return decision;
}

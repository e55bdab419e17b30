/* dovecot-test-util.h: the Dovecot fixture (tests/fixtures/dovecot-fixture.py)
 * for the C integration tests: started once per test program, and what it
 * tells of itself (its folder, ports and users).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

void        start_fixture (void);
void        stop_fixture  (void);
const char *info_string   (const char *member);
guint       info_port     (const char *name);
const char *user_field    (const char *which,
                           guint       index);

G_END_DECLS

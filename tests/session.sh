#!/bin/bash
# Runs a command inside a private test session: its own D-Bus session bus, an
# unlocked gnome-keyring (Secret Service), an AT-SPI bus and a virtual display,
# with HOME and the XDG folders in a throw-away directory, so that tests never
# touch the real user's keyring or data.
#
#   tests/session.sh COMMAND [ARG…]
set -euo pipefail

if [ -z "${HD_TEST_SESSION_INNER:-}" ]; then
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/helpdesk-mail-session.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/home" "$tmp/data" "$tmp/config" "$tmp/cache" "$tmp/runtime"
  chmod 700 "$tmp/runtime"
  export HOME="$tmp/home" XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" \
         XDG_CACHE_HOME="$tmp/cache" XDG_RUNTIME_DIR="$tmp/runtime"
  export HD_TEST_SESSION_INNER=1
  # xvfb-run gives the display, dbus-run-session the bus; the inner half of
  # this script then starts the keyring on that bus.
  status=0
  xvfb-run -a -s "-screen 0 1280x1024x24 -nolisten tcp" \
    dbus-run-session -- "$0" "$@" || status=$?
  exit $status
fi

# gnome-keyring only unlocks without a prompt when given a non-empty password.
eval "$(printf 'helpdesk-test' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL SSH_AUTH_SOCK 2>/dev/null || true
# The default collection must exist for libsecret's SECRET_COLLECTION_DEFAULT.
for _ in $(seq 50); do
  if gdbus call --session --dest org.freedesktop.secrets --object-path /org/freedesktop/secrets \
       --method org.freedesktop.DBus.Properties.Get org.freedesktop.Secret.Service Collections \
       >/dev/null 2>&1; then
    break
  fi
  sleep 0.1
done

# Accessibility bus for the AT-SPI driven window tests.
export NO_AT_BRIDGE=0 GTK_A11Y=atspi
if [ -x /usr/libexec/at-spi-bus-launcher ]; then
  /usr/libexec/at-spi-bus-launcher --launch-immediately >/dev/null 2>&1 &
  atspi_pid=$!
  trap 'kill $atspi_pid 2>/dev/null || true' EXIT
fi

"$@"

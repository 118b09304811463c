#!/usr/bin/env bash
# System packages the test suite needs beyond pip: Debian's Chromium, which the viewer's
# browser tests (tests/viewer/test_browser.py) drive through Playwright. The tests never
# install anything themselves; .ci/run calls this script before the README's test command.
#
#   bash tools/install_system_deps.sh
#
# Idempotent and quiet: does nothing (and prints nothing) when /usr/bin/chromium is there;
# otherwise installs the `chromium` package with apt-get (as root, or through sudo),
# refreshing the package lists first, and says so in one line. Never `playwright install`:
# that downloads a browser build of its own.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [[ -x "$CHROMIUM" ]]; then
    exit 0
fi

fail() {
    echo "install_system_deps: $*" >&2
    exit 1
}

command -v apt-get >/dev/null 2>&1 ||
    fail "no $CHROMIUM and no apt-get: install Chromium so that $CHROMIUM runs it"

sudo=""
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || fail "installing chromium needs root (or sudo)"
    sudo=sudo
fi

echo "install_system_deps: installing Debian's chromium (for the viewer's browser tests)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
# The package lists may be missing (a fresh machine) or stale: refresh them first.
if ! $sudo apt-get update -qq >"$log" 2>&1 ||
    ! $sudo apt-get install -y -qq --no-install-recommends chromium >>"$log" 2>&1; then
    tail -n 20 "$log" >&2
    fail "apt-get could not install chromium (output above)"
fi
[[ -x "$CHROMIUM" ]] || fail "the chromium package is installed but $CHROMIUM is missing"

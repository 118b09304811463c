"""tools/install_system_deps.sh, which .ci/run calls before the tests: a silent no-op when
Chromium is there; otherwise apt-get update, then install, one line of output; apt's output
and exit 1 when that fails. apt-get and sudo are stand-ins here, so nothing is installed.
The tests themselves never install: without Chromium the browser tests fail, naming it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.viewer.conftest import CHROMIUM, require_chromium

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "install_system_deps.sh"

FAKE_APT = """#!/bin/bash
echo "apt-get $*" >> "{calls}"
echo "Reading package lists..."
case "$1" in
  update) [[ -n "{fail}" ]] && {{ echo "E: Could not resolve the mirror" >&2; exit 100; }}
          touch "{lists}" ;;
  install) [[ -f "{lists}" ]] || {{ echo "E: Unable to locate package chromium" >&2; exit 100; }}
           printf '#!/bin/sh\\n' > "{chromium}"; chmod +x "{chromium}" ;;
esac
"""


def run(script: Path, tmp_path: Path, *, fail: bool = False, chromium: Path | None = None
        ) -> subprocess.CompletedProcess:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    apt = bin_dir / "apt-get"
    apt.write_text(FAKE_APT.format(calls=tmp_path / "calls", lists=tmp_path / "lists",
                                   chromium=chromium or tmp_path / "unused",
                                   fail="1" if fail else ""))
    sudo = bin_dir / "sudo"
    sudo.write_text('#!/bin/bash\nexec "$@"\n')
    for f in (apt, sudo):
        f.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["bash", str(script)], capture_output=True, text=True, env=env,
                          timeout=60, check=False)


def apt_calls(tmp_path: Path) -> list[str]:
    calls = tmp_path / "calls"
    return calls.read_text().splitlines() if calls.exists() else []


def with_chromium_at(tmp_path: Path, chromium: Path) -> Path:
    """The script, checking for (and installing) Chromium at ``chromium``."""
    text = SCRIPT.read_text(encoding="utf-8")
    line = f"CHROMIUM={CHROMIUM}\n"
    assert line in text
    copy = tmp_path / "install_system_deps.sh"
    copy.write_text(text.replace(line, f"CHROMIUM={chromium}\n"), encoding="utf-8")
    return copy


def test_without_chromium_the_browser_tests_fail_and_name_the_script(tmp_path):
    with pytest.raises(pytest.fail.Exception, match=r"run tools/install_system_deps\.sh"):
        require_chromium(tmp_path / "chromium")


def test_does_nothing_and_says_nothing_when_chromium_is_installed(tmp_path):
    require_chromium()
    proc = run(SCRIPT, tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert apt_calls(tmp_path) == []


def test_refreshes_the_package_lists_then_installs_chromium_once(tmp_path):
    chromium = tmp_path / "chromium"
    script = with_chromium_at(tmp_path, chromium)
    proc = run(script, tmp_path, chromium=chromium)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "install_system_deps: installing Debian's chromium (for the viewer's browser tests)"]
    assert proc.stderr == ""  # apt's own output is kept quiet
    assert apt_calls(tmp_path) == ["apt-get update -qq",
                                   "apt-get install -y -qq --no-install-recommends chromium"]
    again = run(script, tmp_path, chromium=chromium)
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")
    assert len(apt_calls(tmp_path)) == 2


def test_a_failed_install_shows_apt_output_and_exits_1(tmp_path):
    chromium = tmp_path / "chromium"
    proc = run(with_chromium_at(tmp_path, chromium), tmp_path, fail=True, chromium=chromium)
    assert proc.returncode == 1
    assert "E: Could not resolve the mirror" in proc.stderr
    assert proc.stderr.rstrip().endswith("apt-get could not install chromium (output above)")
    assert not chromium.exists()

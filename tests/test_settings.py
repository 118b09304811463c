"""Process-wide settings are applied by the entry points, not by importing simengine: the
OpenMP wait policy defaults to passive once the CLI, an Engine or a worker's set-up has run,
and a user's own setting wins."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import MINI, ROOT

ENTRY_POINTS = {
    "import only": "import simengine, simengine.store, simengine.settings",
    "Engine": f"import simengine; simengine.Engine({str(MINI)!r})",
    "CLI": f"from simengine.cli import main; main(['validate', {str(MINI)!r}])",
    "worker set-up": "from simengine.jobs.worker import set_up_worker; set_up_worker(1)",
}


def _policy_after(code: str, user_setting: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if user_setting is not None:
        env["OMP_WAIT_POLICY"] = user_setting
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport os; print(os.environ.get('OMP_WAIT_POLICY'))"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_entry_points_apply_the_openmp_wait_policy(entry):
    expected = "None" if entry == "import only" else "passive"
    assert _policy_after(ENTRY_POINTS[entry], None) == expected


def test_a_users_own_wait_policy_wins():
    assert _policy_after(ENTRY_POINTS["Engine"], "active") == "active"

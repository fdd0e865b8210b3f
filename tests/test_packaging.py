"""The built wheel carries every data file the package reads at run time (language files, migrations...)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_holds_every_tracked_file_of_the_package(tmp_path: Path) -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "seabridge"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert "seabridge/agent/locales/en.toml" in tracked
    build = [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run([*build, "-w", str(tmp_path)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("seabridge-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert [f for f in tracked if f not in names] == []

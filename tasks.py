#!/usr/bin/env python3
"""Set-up commands that need nothing but Python 3.11+ and pip.

    python3 tasks.py demo    # create .venv, install arbkit[demo], run `arbkit demo`
    python3 tasks.py test    # create .venv, install arbkit[dev], run the whole test suite

Both are idempotent: the virtual environment in ``.venv`` is created once and reused; the install
step re-runs (quickly) so a changed ``pyproject.toml`` is picked up.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def _run(*args: str | Path) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True)


def ensure_env(extra: str) -> None:
    """Create ``.venv`` if needed and install arbkit with ``extra`` into it (editable)."""
    if sys.version_info < (3, 11):
        sys.exit(f"arbkit needs Python >= 3.11, this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        try:
            venv.EnvBuilder(with_pip=True).create(VENV)
        except Exception as exc:  # ensurepip missing (some Linux distributions split it out)
            print(f"venv with pip failed ({exc}); creating it without pip and installing with the system pip")
            venv.EnvBuilder(with_pip=False, clear=True).create(VENV)
    has_pip = subprocess.run([str(PYTHON), "-m", "pip", "--version"], capture_output=True).returncode == 0
    pip = [PYTHON, "-m", "pip"] if has_pip else [sys.executable, "-m", "pip", "--python", PYTHON]
    _run(*pip, "install", "--quiet", "--disable-pip-version-check", "-e", f".[{extra}]")


def main(argv: list[str]) -> int:
    task = argv[1] if len(argv) > 1 else "help"
    rest = argv[2:]
    if task == "demo":
        ensure_env("demo")
        _run(BIN / "arbkit", "demo", *rest)
    elif task == "test":
        ensure_env("dev")
        result = subprocess.run([str(PYTHON), "-m", "pytest", *rest], cwd=ROOT)
        return result.returncode
    else:
        print(__doc__)
        return 0 if task in ("help", "-h", "--help") else 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/bin/sh
# Prints the path of a Python interpreter >= 3.12 (.python-version asks for 3.13), or explains and fails.
# Order: python3.13, python3.12, pyenv's installed versions (newest first), then python3.
candidates="python3.13 python3.12"
pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
if [ -d "$pyenv_root/versions" ]; then
  for v in $(ls "$pyenv_root/versions" | sort -rV); do
    candidates="$candidates $pyenv_root/versions/$v/bin/python3"
  done
fi
candidates="$candidates python3"
for c in $candidates; do
  p=$(command -v "$c" 2>/dev/null) || continue
  # pyenv shims exist even when the version behind them does not: ask the interpreter itself.
  if "$p" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
    "$p" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done
echo "No Python 3.12 or newer found (this project wants 3.13, see .python-version)." >&2
echo "Install one, e.g. 'apt-get install python3.13' or 'pyenv install 3.13', then run make again." >&2
exit 1

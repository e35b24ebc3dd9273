#!/usr/bin/env bash
# Prints the path of a working Python 3.10 interpreter (Rasa 3.6 needs 3.10).
set -euo pipefail
for candidate in "${PYTHON310:-}" python3.10 /root/.pyenv/versions/3.10*/bin/python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10; do
  [ -n "$candidate" ] || continue
  if path=$(command -v "$candidate" 2>/dev/null) && "$path" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
    echo "$path"; exit 0
  fi
done
echo "error: Python 3.10 not found; set PYTHON310=/path/to/python3.10" >&2
exit 1

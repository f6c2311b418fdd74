#!/bin/bash
# run_e2e.sh — the end-to-end accuracy report (tests/e2e/lab.py report), for ctest
# (label e2e) and by hand. Needs root; exits 77 (skipped) where network namespaces
# cannot be created or a tool is missing. Arguments are passed to `lab.py report`
# (e.g. --only 'rst|takeover' --family 4 --keep /tmp/e2e).
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" != 0 ]; then
    echo "e2e: SKIPPED: the e2e lab needs root (network namespaces, bridge, raw sockets)"
    exit 77
fi
# The Debian python3 has python3-scapy; a python3 earlier in PATH (pyenv, venv) may not.
py=
for cand in /usr/bin/python3 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import scapy' >/dev/null 2>&1; then
        py=$cand
        break
    fi
done
if [ -z "$py" ]; then
    echo "e2e: SKIPPED: no python3 with scapy (install the Debian package python3-scapy)"
    exit 77
fi
export PYTHONDONTWRITEBYTECODE=1
exec "$py" "$here/lab.py" report "$@"

#!/bin/bash
# run_reasm_truth.sh — the receiver-truth reassembly test (tests/e2e/reasm_truth.py)
# for ctest (label e2e) and by hand. Needs root; exits 77 (skipped) where it cannot run.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" != 0 ]; then
    echo "reasm_truth: SKIPPED: needs root (network namespaces, raw sockets)"
    exit 77
fi
# The Debian python3 has python3-scapy; a python3 earlier in PATH (pyenv, venv) may not.
for cand in /usr/bin/python3 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import scapy' >/dev/null 2>&1; then
        export PYTHONDONTWRITEBYTECODE=1
        exec "$cand" "$here/reasm_truth.py" "$@"
    fi
done
echo "reasm_truth: SKIPPED: no python3 with scapy (install the Debian package python3-scapy)"
exit 77

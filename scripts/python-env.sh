#!/usr/bin/env bash
# Creates, once, the Python environment that the torch backend and the Hugging Face interop tests use, and prints
# its interpreter's path on stdout (everything else goes to stderr). Idempotent and safe to run concurrently:
# an environment whose requirements stamp matches python/requirements.txt is reused as it is.
#   RLHF_PYTHON_ENV   where the environment lives (default: <repo>/.data/venv)
#   RLHF_WHEEL_DIRS   space-separated folders of wheels to install from without PyPI
#                     (default: the folders these machines ship: /opt/wheels /opt/pypi/files /opt/pypi-more/files)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${RLHF_PYTHON_ENV:-$root/.data/venv}"
requirements="$root/python/requirements.txt"
want="$(sha256sum <"$requirements" | cut -d' ' -f1)"

if ! command -v python3 >/dev/null; then
  echo "python-env: python3 is not installed; install Python 3.10+ (Debian: apt-get install python3 python3-venv)" >&2
  exit 3
fi
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9
if [[ -x "$venv/bin/python" && "$(cat "$venv/.requirements.sha256" 2>/dev/null)" == "$want" ]]; then
  echo "$venv/bin/python"
  exit 0
fi

echo "python-env: creating $venv (about a minute)" >&2
python3 -m venv --clear "$venv" >&2
links=()
for dir in ${RLHF_WHEEL_DIRS:-/opt/wheels /opt/pypi/files /opt/pypi-more/files}; do
  [[ -d "$dir" ]] && links+=(--find-links "$dir")
done
if ((${#links[@]} > 0)); then
  "$venv/bin/pip" install --quiet --no-index "${links[@]}" -r "$requirements" >&2
else
  "$venv/bin/pip" install --quiet -r "$requirements" >&2
fi
echo "$want" >"$venv/.requirements.sha256"
echo "$venv/bin/python"

#!/usr/bin/env bash
# Installs the application the check imports (env.py, the models) and migration-guard into one
# environment, then prints `python=PATH` (to $GITHUB_OUTPUT when set) naming its interpreter.
# .github/workflows/migration-check.yml runs this same text inline (a reusable workflow runs in
# the caller's checkout and cannot read this file); tests/test_init_install.py keeps them equal.
#
# Environment:
#   MG_PACKAGE       the pip requirement that installs migration-guard (required)
#   MG_INSTALL       uv | poetry | requirements | project | none (default: requirements when
#                    MG_REQUIREMENTS is set, else none)
#   MG_DIRECTORY     the folder holding uv.lock, poetry.lock or pyproject.toml (default: .)
#   MG_REQUIREMENTS  the requirements file (install requirements)
set -euo pipefail
pip=(python -m pip install --disable-pip-version-check --quiet)
directory="${MG_DIRECTORY:-.}"
requirements="${MG_REQUIREMENTS:-}"
install="${MG_INSTALL:-${requirements:+requirements}}"
python=python
case "${install:-none}" in
  uv)
    "${pip[@]}" uv
    (cd "$directory" && uv sync --locked --python "$(command -v python)")
    python="$(cd "$directory" && pwd)/.venv/bin/python"
    uv pip install --quiet --python "$python" "$MG_PACKAGE"
    ;;
  poetry)
    "${pip[@]}" poetry
    (cd "$directory" && POETRY_VIRTUALENVS_IN_PROJECT=true poetry install --no-interaction)
    python="$(cd "$directory" && pwd)/.venv/bin/python"
    "$python" -m pip install --disable-pip-version-check --quiet "$MG_PACKAGE"
    ;;
  requirements)
    if [ -z "$requirements" ]; then
      echo "::error::install: requirements needs the requirements input (a file)"
      exit 2
    fi
    "${pip[@]}" -r "$requirements" "$MG_PACKAGE"
    ;;
  project)
    "${pip[@]}" "./${directory#./}" "$MG_PACKAGE"
    ;;
  none)
    "${pip[@]}" "$MG_PACKAGE"
    ;;
  *)
    echo "::error::install: unknown value (use uv, poetry, requirements, project or none)"
    exit 2
    ;;
esac
echo "python=$python" >> "${GITHUB_OUTPUT:-/dev/stdout}"

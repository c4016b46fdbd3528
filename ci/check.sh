#!/usr/bin/env bash
# The pull-request check for any CI (GitHub Actions, GitLab, Jenkins, ...): one run of
# `migration-guard check` that also writes the Markdown summary and, if asked, a SARIF file.
# All logic lives in the package; this only maps CI variables to flags.
#
# Environment (all optional):
#   MG_PROJECT       repository root holding pyproject.toml (default: .)
#   MG_BASE          base ref; default: the CI's merge-request target branch on origin,
#                    else the project's `base` setting (origin/main)
#   MG_FORMAT        text | json | github | sarif (default: github on GitHub Actions, else text)
#   MG_RUNNER        auto | docker | local, overrides the project's `runner` setting
#   MG_SUMMARY_FILE  append the Markdown summary here (default: $GITHUB_STEP_SUMMARY if set)
#   MG_SARIF_FILE    write SARIF 2.1.0 here
#   MG_PYTHON        the Python that has migration-guard installed (default: python)
# Exit codes are migration-guard's: 0 clean, 1 findings, 2 usage/input, 3 environment.
set -euo pipefail

format="${MG_FORMAT:-}"
if [ -z "$format" ]; then
  if [ "${GITHUB_ACTIONS:-}" = "true" ]; then format=github; else format=text; fi
fi

base="${MG_BASE:-}"
if [ -z "$base" ]; then
  target="${GITHUB_BASE_REF:-${CI_MERGE_REQUEST_TARGET_BRANCH_NAME:-${CHANGE_TARGET:-}}}"
  if [ -n "$target" ]; then base="origin/$target"; fi
fi

args=(--project "${MG_PROJECT:-.}" --format "$format")
summary="${MG_SUMMARY_FILE:-${GITHUB_STEP_SUMMARY:-}}"
if [ -n "$summary" ]; then args+=(--summary-file "$summary"); fi
if [ -n "${MG_SARIF_FILE:-}" ]; then args+=(--sarif-file "$MG_SARIF_FILE"); fi

command=(check)
if [ -n "$base" ]; then command+=(--base "$base"); fi
if [ -n "${MG_RUNNER:-}" ]; then command+=(--runner "$MG_RUNNER"); fi

exec "${MG_PYTHON:-python}" -m migration_guard "${args[@]}" "${command[@]}"

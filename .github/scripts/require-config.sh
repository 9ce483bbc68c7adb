#!/usr/bin/env bash
# Fails with one ::error:: line per unset variable, naming the repository variable to set, so a
# fork of this pipeline learns what it must configure before anything touches AWS.
# Usage: require-config.sh NAME... (each NAME is an environment variable fed from vars.NAME)
set -euo pipefail
missing=0
for name in "$@"; do
  if [ -z "${!name:-}" ]; then
    echo "::error title=Pipeline not configured::The repository variable $name is not set. Settings > Secrets and variables > Actions > Variables; see docs/github-setup.md."
    missing=1
  fi
done
exit "$missing"

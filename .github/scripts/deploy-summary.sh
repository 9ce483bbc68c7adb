#!/usr/bin/env bash
# Appends the pipeline's own summary (what was deployed where, and how it went) above the detailed
# sections each action writes. Every value arrives through the environment, never through ${{ }}
# pasted into this script.
set -euo pipefail
row() { if [ -n "$2" ]; then printf '| %s | %s |\n' "$1" "$2"; fi; }
code() { if [ -n "$1" ]; then printf '`%s`' "$1"; fi; }
{
  printf '## %s\n\n' "$SUMMARY_TITLE"
  printf '| | |\n| --- | --- |\n'
  row 'result' "${SUMMARY_RESULT:-unknown}"
  row 'environment' "${SUMMARY_ENVIRONMENT:-}"
  row 'URL' "${SUMMARY_URL:-}"
  row 'commit' "$(code "${SUMMARY_COMMIT:-}")"
  row 'image' "$(code "${SUMMARY_IMAGE:-}")"
  row 'image source' "${SUMMARY_IMAGE_SOURCE:-}"
  row 'task definition' "$(code "${SUMMARY_TASK_DEFINITION:-}")"
  row 'rollout' "${SUMMARY_ROLLOUT:-}"
  row 'rolled back' "${SUMMARY_ROLLED_BACK:-}"
  row 'smoke test passed' "${SUMMARY_SMOKE_PASSED:-}"
  printf '\n'
} >>"$GITHUB_STEP_SUMMARY"

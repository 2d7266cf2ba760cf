#!/usr/bin/env bash
# npm run bench [-- --quick]: the speed/detection benchmark (REPORT.md), then
# the influence fidelity study (STUDY.md). Arguments go to both; the study
# only reads --quick.
set -euo pipefail
cd "$(dirname "$0")/.."
node --import tsx bench/run.ts "$@"
quick=()
for a in "$@"; do [ "$a" = "--quick" ] && quick=(--quick); done
node --import tsx bench/study/run.ts "${quick[@]}"

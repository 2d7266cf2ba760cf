#!/usr/bin/env bash
# npm run bench [-- --quick]: the speed/detection benchmark (REPORT.md), then
# the influence fidelity study (STUDY.md), then the fuzz run (results/fuzz.json;
# with --quick results/quick/fuzz.json). Arguments go to the first; the study
# and the fuzz run only read --quick, and are skipped when the arguments ask
# for part of the benchmark (--only, --sets, --memory-shapes, --render-only).
set -euo pipefail
cd "$(dirname "$0")/.."
node --import tsx bench/run.ts "$@"
quick=()
for a in "$@"; do
  case "$a" in
    --quick) quick=(--quick) ;;
    --only | --only=* | --sets | --memory-shapes | --render-only) exit 0 ;;
  esac
done
node --import tsx bench/study/run.ts "${quick[@]}"
# Fuzz: generated CSV/JSONL through load → validation → featurize → train; success or InputError only.
node --import tsx bench/fuzz.ts "${quick[@]}"

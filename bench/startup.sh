#!/usr/bin/env bash
# Start-up: time to first paint of `ft-advisor` against a bare Textual app (Header +
# VerticalScroll + Input, bench/bare_app.py), side by side in the same run, with
# ../shared/tools/ttfp.sh (or $TTFP). Prints each median and the ratio; target <= 1.3.
# Then a resumed 50-message consultation against a fresh start, side by side: the
# input shown, and the last answer shown against the fresh greeting (both need the
# session; the last screenful mounts first); target <= 1.5.
#
#   bench/startup.sh            # 7 runs each, offline, LLM and mock modes
#   RUNS=11 bench/startup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
TTFP=${TTFP:-../shared/tools/ttfp.sh}
RUNS=${RUNS:-7}
export POLL=${POLL:-0.01}  # ttfp.sh poll interval: finer than its 0.05 s default
PY=.venv/bin/python
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
# A scratch config and data dir: the run must not read or write the user's.
export FT_ADVISOR_CONFIG="$SCRATCH/config.toml" FT_ADVISOR_DATA_DIR="$SCRATCH/data"
export LITELLM_LOCAL_MODEL_COST_MAP=True LITELLM_OFFLINE_MODE=true

median() {  # WAIT_STRING COMMAND... -> median seconds
    "$TTFP" -q -n "$RUNS" -W 1 "$@" | sed -n 's/.*median=\([0-9.]*\) s.*/\1/p'
}

compare() {  # LABEL WAIT_STRING FT_ADVISOR_ARGS...
    local label=$1 wait=$2; shift 2
    local bare app
    bare=$(median "$wait" "$PY" bench/bare_app.py)
    app=$(median "$wait" .venv/bin/ft-advisor "$@")
    printf '%-34s bare %.3f s  ft-advisor %.3f s  ratio %.2f\n' "$label" "$bare" "$app" \
        "$(echo "$app / $bare" | bc -l)"
}

compare "first paint, offline" __ANY__ --offline
compare "input shown, offline" "Describe your case" --offline
compare "input shown, LLM (litellm off path)" "Describe your case" --model openai/gpt-4o-mini
compare "input shown, mock" "Describe your case" --mock

# Resume: a 50-message consultation (bench/seed_consultation.py) against a fresh start.
RESUME_DATA="$SCRATCH/resume"
FT_ADVISOR_DATA_DIR="$RESUME_DATA" "$PY" bench/seed_consultation.py 50
resume_vs_fresh() {  # LABEL WAIT_FRESH WAIT_RESUME
    local label=$1 fresh resumed
    fresh=$(median "$2" env FT_ADVISOR_DATA_DIR="$SCRATCH/fresh" .venv/bin/ft-advisor --offline)
    resumed=$(median "$3" env FT_ADVISOR_DATA_DIR="$RESUME_DATA" .venv/bin/ft-advisor --offline)
    printf '%-34s fresh %.3f s  resumed %.3f s  ratio %.2f\n' "$label" "$fresh" "$resumed" \
        "$(echo "$resumed / $fresh" | bc -l)"
}
resume_vs_fresh "resume 50 msgs: first paint" __ANY__ __ANY__
resume_vs_fresh "resume 50 msgs: input shown" "Describe your case" "Describe your case"
resume_vs_fresh "resume 50 msgs: last answer shown" "find out" "Answer 24"  # fresh: its greeting

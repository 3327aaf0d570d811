#!/bin/sh
# Hourly freshness at the 50M-row day's hourly volume (~2.1M rows an hour; docs/benchmarks.md): the day's hours 00-22
# are committed first (one run), then the last hour's files land and we time, as whole processes with
# /usr/bin/time -v, `run --hour 23` (only the hours those files touch are rebuilt) and the first query of hour 23.
# FRESHNESS_RAW: a raw folder holding dt=<day>/hr=00..23 (default: the 50M-row day of `make bench-scale`);
# FRESHNESS_WORK: a scratch folder, emptied first. A benchmark, not a timed test.
set -eu
RAW=${FRESHNESS_RAW:-.cache/bench-scale/rows-50000000-step-60/raw}
WORK=${FRESHNESS_WORK:-.cache/bench-freshness}
WORKERS=${FRESHNESS_WORKERS:-2}
DAY_DIR=$(ls -d "$RAW"/dt=* 2>/dev/null | head -n 1 || true)
if [ -z "$DAY_DIR" ] || [ ! -d "$DAY_DIR/hr=23" ]; then
  echo "bench-freshness: no raw day with hr=23 under $RAW; run \`make bench-scale BENCH_SCALE_DAYS=50m\` first" >&2
  exit 1
fi
DAY=${DAY_DIR##*/dt=}
NEXT=$(date -u -d "$DAY + 1 day" +%F)
STORE="$WORK/store"
CLI="node bin/telemetry-rollup.js"
rm -rf "$WORK"
mkdir -p "$STORE/raw/dt=$DAY"
for h in "$DAY_DIR"/hr=*; do
  [ "${h##*/}" = "hr=23" ] || cp -r "$h" "$STORE/raw/dt=$DAY/"
done
echo "== hours 00-22 of $DAY ($(du -sh "$STORE/raw" | cut -f1) raw), committed by one run" >&2
$CLI run --date "$DAY" --store "$STORE" --workers "$WORKERS" > "$WORK/run-00-22.txt"
cp -r "$DAY_DIR/hr=23" "$STORE/raw/dt=$DAY/"
landed=$(date +%s%N)
echo "== hr=23 landed ($(du -sh "$STORE/raw/dt=$DAY/hr=23" | cut -f1)); run --hour 23" >&2
/usr/bin/time -v $CLI run --date "$DAY" --hour 23 --store "$STORE" --workers "$WORKERS" \
  > "$WORK/run-23.txt" 2> "$WORK/run-23.time"
echo "== first query of hour 23" >&2
/usr/bin/time -v $CLI query --metric cpu_usage --from "${DAY}T23:00:00Z" --to "${NEXT}T00:00:00Z" --agg avg \
  --store "$STORE" > "$WORK/query-23.txt" 2> "$WORK/query-23.time"
answered=$(date +%s%N)
echo "== run --hour 23 again: nothing new (a skip)" >&2
/usr/bin/time -v $CLI run --date "$DAY" --hour 23 --store "$STORE" --workers "$WORKERS" \
  > "$WORK/skip-23.txt" 2> "$WORK/skip-23.time"
field() { grep "$1" "$2" | sed 's/.*: //'; }
cpu() { echo "$(field 'User time' "$1") $(field 'System time' "$1")" | awk '{printf "%.1f", $1 + $2}'; }
report() {
  printf '%-24s wall %-9s cpu %5s s  peak RSS %4d MiB\n' "$1" "$(field 'Elapsed (wall' "$2")" "$(cpu "$2")" \
    $(( $(field 'Maximum resident' "$2") / 1024 ))
}
echo
grep -E 'hours rebuilt|inputs|rows in|files written' "$WORK/run-23.txt" || true
report "run --hour 23" "$WORK/run-23.time"
report "first query of hour 23" "$WORK/query-23.time"
report "run --hour 23, a skip" "$WORK/skip-23.time"
cat "$WORK/query-23.txt"
awk -v ms=$(( (answered - landed) / 1000000 )) 'BEGIN { printf "hr=23 landed -> queryable and answered: %.1f s\n", ms / 1000 }'

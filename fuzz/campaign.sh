#!/usr/bin/env bash
# One fuzzing campaign with cargo-afl on the stable toolchain.
#   fuzz/campaign.sh TARGET SECONDS        TARGET: sbml | mathml | study | treatment
# Builds the targets (`cargo afl build --release`), fuzzes TARGET for SECONDS starting from
# corpus/TARGET (run ./seeds.sh first) into out/TARGET (wiped first; RESUME=1 continues the
# previous run instead), then prints executions, crashes and hangs from
# out/TARGET/default/fuzzer_stats. Uses one core (one afl-fuzz instance; the build runs with
# -j ${JOBS:-1}).
# Environment: TIMEOUT (ms per input; default 1000 for sbml/mathml, 500 otherwise),
#              MEM (MB per input, default 4096), JOBS (build jobs, default 1), RESUME=1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
target="${1:?usage: campaign.sh TARGET SECONDS}"
seconds="${2:?usage: campaign.sh TARGET SECONDS}"
[ -f "src/bin/$target.rs" ] || { echo "no target $target (src/bin/$target.rs)" >&2; exit 2; }
[ -d "corpus/$target" ] || { echo "no corpus/$target: run ./seeds.sh first" >&2; exit 2; }
case "$target" in
    sbml | mathml) timeout_ms="${TIMEOUT:-1000}" ;;
    *) timeout_ms="${TIMEOUT:-500}" ;;
esac

cargo afl build --release -j "${JOBS:-1}" --bin "$target"

export AFL_SKIP_CPUFREQ=1                      # no cpufreq governor control in this sandbox
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 # core_pattern pipes to a handler here
export AFL_NO_UI=1                             # plain status lines instead of the curses UI
export AFL_NO_AFFINITY="${AFL_NO_AFFINITY:-1}" # share the machine: let the kernel place it
export AFL_SKIP_CRASHES=1                      # a seed that crashes is reported, not fatal
mkdir -p out
input="corpus/$target"
if [ "${RESUME:-0}" = 1 ] && [ -d "out/$target/default" ]; then
    input=-
else
    rm -rf "out/$target"
fi
dict=()
[ -f "dict/$target.dict" ] && dict=(-x "dict/$target.dict")
log="out/$target.log"
echo "fuzzing $target for ${seconds}s (log: fuzz/$log)"
cargo afl fuzz -i "$input" -o "out/$target" -V "$seconds" -t "$timeout_ms" -m "${MEM:-4096}" \
    "${dict[@]}" "target/release/$target" >"$log" 2>&1 || {
    echo "afl-fuzz failed; last lines of $log:" >&2
    tail -30 "$log" >&2
    exit 1
}

stats="out/$target/default/fuzzer_stats"
get() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
echo "== $target: $(get run_time) s"
echo "executions:  $(get execs_done) ($(get execs_per_sec) execs/s)"
echo "corpus:      $(get corpus_count) inputs, bitmap coverage $(get bitmap_cvg), stability $(get stability)"
echo "crashes:     $(get saved_crashes)"
echo "hangs:       $(get saved_hangs)"
for kind in crashes hangs; do
    for f in "out/$target/default/$kind"/id:*; do
        [ -e "$f" ] && echo "  fuzz/$f"
    done
done

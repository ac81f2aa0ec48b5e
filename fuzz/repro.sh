#!/usr/bin/env bash
# Reproduces one input outside afl: runs the target binary with FILE on stdin (afl::fuzz!
# binaries read stdin when not under afl-fuzz), with FUZZ_DEBUG=1 (how far the input got)
# and RUST_BACKTRACE=1, under a time limit.
#   fuzz/repro.sh TARGET FILE [SECONDS]     (default limit 10 s; exit 124 = still running)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="${1:?usage: repro.sh TARGET FILE [SECONDS]}"
file="${2:?usage: repro.sh TARGET FILE [SECONDS]}"
bin="$here/target/release/$target"
[ -x "$bin" ] || (cd "$here" && cargo afl build --release -j "${JOBS:-1}" --bin "$target") || exit 2
FUZZ_DEBUG=1 RUST_BACKTRACE=1 timeout "${3:-10}" "$bin" <"$file"
rc=$?
case $rc in
    0) echo "[repro] $target: no failure (exit 0)" >&2 ;;
    124) echo "[repro] $target: still running after ${3:-10} s (hang)" >&2 ;;
    134) echo "[repro] $target: aborted (SIGABRT: a panic, or an abort such as a stack overflow)" >&2 ;;
    139) echo "[repro] $target: SIGSEGV" >&2 ;;
    *) echo "[repro] $target: exit $rc" >&2 ;;
esac
exit $rc

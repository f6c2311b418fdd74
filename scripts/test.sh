#!/bin/bash
# test.sh — install what is missing, build, and run the whole test suite: unit and
# program tests, the Suricata plugin with Debian's suricata (skipped with a message
# where the package cannot be installed), the end-to-end lab (real Linux TCP stacks in network namespaces;
# skipped where namespaces cannot be made), the same suite again under
# AddressSanitizer + UndefinedBehaviorSanitizer (with the structure validators on),
# the worker tests under ThreadSanitizer, and a bounded fuzzing smoke run.
# Ends with one line "N passed, M failed" and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh test || { echo "test.sh: installing dependencies failed"; exit 1; }
JOBS=${JOBS:-2}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
passed=0; failed=0; status=0

tally() {  # tally LOGFILE: add a ctest log's counts to the totals
  local line t f
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$1" | tail -1)
  [ -n "$line" ] || return 0
  f=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  t=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
  passed=$((passed + t - f)); failed=$((failed + f))
}

step() { echo; echo "=== $*"; }

step "Suricata 7.0.10 for the plugin lane (scripts/install-suricata.sh, private apt config in build/apt)"
mkdir -p build
suri_flags=(-DSW_SURICATA_PLUGIN=OFF); suri_lane=0
if suri_out=$(bash scripts/install-suricata.sh build 2>build/install-suricata.log); then
  suri_flags=(-DSW_SURICATA_PLUGIN=ON "-D${suri_out##*$'\n'}"); suri_lane=1
  grep timings build/install-suricata.log
else
  rc=$?
  if [ $rc -eq 3 ]; then
    echo "suricata lane SKIPPED: $(grep 'cannot install' build/install-suricata.log | tail -1)"
  else
    echo "installing Suricata failed (rc $rc):"; tail -20 build/install-suricata.log; status=1; failed=$((failed + 1))
  fi
fi
if [ $suri_lane -eq 1 ]; then
  step "Suricata 8.0 for the plugin's 8.0 build, link check and run tests (scripts/fetch-suricata8.sh: sid's packages, unpacked, not installed)"
  if s8_out=$(bash scripts/fetch-suricata8.sh build 2>build/fetch-suricata8.log); then
    while read -r l; do suri_flags+=("-D$l"); done <<<"$s8_out"
    grep -E 'timings|configure check|cached|runs here|will skip' build/fetch-suricata8.log
  else
    rc=$?
    suri_flags+=(-DSURICATA8_SOURCE_DIR= -DSURICATA8_BINARY= -DSURICATA8_RUN=)
    if [ $rc -eq 3 ]; then
      echo "suricata 8.0 tests SKIPPED: $(grep 'cannot fetch' build/fetch-suricata8.log | tail -1)"
    else
      echo "fetching Suricata 8.0 failed (rc $rc):"; tail -20 build/fetch-suricata8.log; status=1; failed=$((failed + 1))
    fi
  fi
fi

step "build (RelWithDebInfo, -Werror)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "${suri_flags[@]}" >/dev/null && cmake --build build -j"$JOBS" || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

step "unit and program tests"
(cd build && ctest --output-on-failure -j"$JOBS" -LE 'e2e|suricata') 2>&1 | tee build/ctest-main.log; [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
tally build/ctest-main.log

if [ $suri_lane -eq 1 ]; then
  step "Suricata plugin: Debian's suricata with seqwatch-suricata.so (ctest -L suricata)"
  (cd build && ctest --output-on-failure -L suricata -LE suricata8-corpus) 2>&1 | tee build/ctest-suricata.log; [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  tally build/ctest-suricata.log
fi

step "end-to-end lab (ctest -L e2e)"
(cd build && ctest -V -L e2e) 2>&1 | tee build/ctest-e2e.log; [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
tally build/ctest-e2e.log

step "sanitizer build (ASan + UBSan) and the suite again"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSW_SANITIZE=ON >/dev/null && cmake --build build-asan -j"$JOBS" || { echo "sanitizer build failed"; status=1; failed=$((failed + 1)); }
if [ -x build-asan/seqwatch ]; then
  (cd build-asan && ctest --output-on-failure -j"$JOBS" -LE e2e) 2>&1 | tee build-asan/ctest-asan.log; [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  tally build-asan/ctest-asan.log
fi

if command -v clang >/dev/null; then
  # clang: GCC's target_clones ifunc (detector/decode.c) would run before TSan starts.
  step "ThreadSanitizer build (clang) of the worker pool: test_workers, workers_identical on the bundled traces"
  if cmake -S . -B build-tsan -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
       -DCMAKE_C_FLAGS=-fsanitize=thread -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread \
       -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread >/dev/null &&
     cmake --build build-tsan -j"$JOBS" --target seqwatch test_workers >/dev/null; then
    export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
    for t in test_workers workers_identical; do
      if [ $t = test_workers ]; then cmd=(build-tsan/tests/test_workers)
      else cmd=(env SW_PROGRAM=build-tsan/seqwatch SW_SOURCE_DIR="$PWD" SW_SHARED_DIR=/nonexistent bash tests/scripts/workers_identical.sh); fi
      if "${cmd[@]}" >"build-tsan/$t.log" 2>&1; then
        echo "tsan $t: ok ($(tail -1 "build-tsan/$t.log"))"; passed=$((passed + 1))
      else
        echo "tsan $t: FAILED"; tail -40 "build-tsan/$t.log"; failed=$((failed + 1)); status=1
      fi
    done
    unset TSAN_OPTIONS
  else
    echo "ThreadSanitizer build failed"; failed=$((failed + 1)); status=1
  fi
fi

if [ -f tests/fuzz/CMakeLists.txt ] && command -v clang >/dev/null; then
  step "fuzz smoke: every target for ${FUZZ_SECONDS}s (clang, libFuzzer, ASan + UBSan)"
  if cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSW_FUZZ=ON >/dev/null &&
     cmake --build build-fuzz -j"$JOBS" >/dev/null; then
    for f in build-fuzz/tests/fuzz/fuzz_*; do
      [ -x "$f" ] || continue
      name=$(basename "$f"); corpus=tests/fuzz/corpus/${name#fuzz_}
      mkdir -p "build-fuzz/corpus-$name"
      seeds=(); [ -d "$corpus" ] && seeds=("$corpus")
      if "$f" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "build-fuzz/corpus-$name" "${seeds[@]}" \
           >"build-fuzz/$name.log" 2>&1; then
        runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "build-fuzz/$name.log" | grep -Eo '[0-9]+$')
        cov=$(grep -Eo 'cov: [0-9]+' "build-fuzz/$name.log" | tail -1)
        echo "fuzz $name: ok (${runs:-?} executions, ${cov:-cov: ?}, no crash, leak or timeout)"
        passed=$((passed + 1))
      else
        echo "fuzz $name: FAILED"; tail -30 "build-fuzz/$name.log"; failed=$((failed + 1)); status=1
      fi
    done
  else
    echo "fuzz build failed"; failed=$((failed + 1)); status=1
  fi
fi

echo
echo "$passed passed, $failed failed"
exit $status

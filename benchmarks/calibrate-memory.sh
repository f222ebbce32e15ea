#!/usr/bin/env bash
# Peak resident memory and speed of `tempered calibrate`: this checkout, streaming a generated
# 4,000,000 x 100 float32 .npy (1.6 GB) under -Xmx512m, against the in-memory command of commit
# 1bd5fc8 on the first 1,000,000 rows, back to back (see CalibrateMemory.java and RESULTS.md).
# Needs GNU time (/usr/bin/time) and ~2.1 GB free under $WORK; the data files are deleted after.
# Usage: benchmarks/calibrate-memory.sh [--rounds R] [--rows N] [--baseline-rows N] [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
BASE_COMMIT=${BASE_COMMIT:-1bd5fc8}
WORK=${WORK:-/tmp/tempered-calibrate-bench}
mkdir -p "$WORK"

# The command under test: this checkout's classes and runtime dependencies.
mvn -B -q -o compile -Dspotless.check.skip=true
mvn -B -q -o dependency:build-classpath -Dmdep.includeScope=runtime \
    -Dmdep.outputFile="$WORK/cp-new.txt"

# The baseline: the in-memory command as it was at $BASE_COMMIT, built once.
if [ ! -f "$WORK/$BASE_COMMIT/cp.txt" ]; then
    rm -rf "${WORK:?}/$BASE_COMMIT" && mkdir -p "$WORK/$BASE_COMMIT"
    git archive "$BASE_COMMIT" | tar -x -C "$WORK/$BASE_COMMIT"
    (cd "$WORK/$BASE_COMMIT" && mvn -B -q -o compile -Dspotless.check.skip=true \
        && mvn -B -q -o dependency:build-classpath -Dmdep.includeScope=runtime \
            -Dmdep.outputFile=cp.txt)
fi

java benchmarks/src/main/java/io/github/tempered/benchmarks/CalibrateMemory.java \
    --cp "$PWD/target/classes:$(cat "$WORK/cp-new.txt")" \
    --baseline-cp "$WORK/$BASE_COMMIT/target/classes:$(cat "$WORK/$BASE_COMMIT/cp.txt")" \
    --dir "$WORK" "$@"

# Sourced by every end-to-end test. Gives a scratch directory, the fake
# server helpers, credentials that the default fixture accepts, and checks
# that print what differed.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BBPERM=${BBPERM:-$ROOT/build/bbperm}
FAKEBB=${FAKEBB:-$ROOT/build/fakebb}
. "$ROOT/scripts/fakebb.sh"
T=$(mktemp -d)
trap 'fakebb_stop; rm -rf "$T"' EXIT
cd "$T"

export BITBUCKET_EMAIL=admin@example.com BITBUCKET_API_TOKEN=s3cret-token
unset BITBUCKET_TOKEN BITBUCKET_USERNAME BITBUCKET_APP_PASSWORD

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "$*"; exit 77; }

# expect_eq ACTUAL EXPECTED WHAT
expect_eq() {
  [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
}

# expect_file FILE EXPECTED-FILE WHAT: byte-for-byte, with a diff on failure
expect_file() {
  if ! cmp -s "$1" "$2"; then
    echo "--- expected ($2) / +++ actual ($1):"
    diff -u "$2" "$1" | head -60
    fail "$3"
  fi
}

# expect_match STRING REGEX WHAT
expect_match() {
  [[ "$1" =~ $2 ]] || fail "$3: '$1' does not match /$2/"
}

# run_bb [args...]: runs bbperm against the started server; sets RC,
# result in out.csv, stderr in err.txt
run_bb() {
  RC=0
  "$BBPERM" --base-url "$FAKEBB_URL" "$@" >out.csv 2>err.txt || RC=$?
}

state() { curl -sf "$FAKEBB_URL/_state"; }
stat_of() { curl -sf "$FAKEBB_URL/_stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

# csv_col FILE COLUMN: the values of one column, one per line (Python's csv)
csv_col() {
  python3 - "$1" "$2" <<'PY'
import csv, sys
with open(sys.argv[1], newline='', encoding='utf-8', errors='surrogateescape') as f:
    for row in csv.DictReader(f):
        print(row[sys.argv[2]])
PY
}

# peak_rss_kib CMD...: runs a command, prints its peak RSS in KiB
peak_rss_kib() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
}

# rows_csv N [FIRST]: a header and N rows granting write on bulk-<i>
rows_csv() {
  python3 -c "
import sys
n, first = int(sys.argv[1]), int(sys.argv[2])
print('workspace,repo,group,privilege,n')
for i in range(first, first + n): print(f'acme,bulk-{i:06d},developers,write,{i}')" "$1" "${2:-0}"
}

# Peak-memory limits do not hold for sanitizer builds (their shadow memory
# and quarantine are large by design): such runs check everything else.
rss_limit_applies() { [ -z "${E2E_SANITIZED:-}" ]; }

# Each set-up error stops the tool before any request, with one line on
# stderr and exit code 2.
. "$(dirname "$0")/lib.sh"
fakebb_start
printf 'workspace,repo,group,privilege\nacme,api,developers,write\n' > ok.csv
check() { # WHAT EXPECTED-STDERR-REGEX CMD...
  local what=$1 re=$2; shift 2
  local rc=0
  "$@" > o.txt 2> e.txt < /dev/null || rc=$?
  [ "$rc" = 2 ] || fail "$what: exit $rc, expected 2 (stderr: $(cat e.txt))"
  [ "$(wc -l < e.txt)" = 1 ] || fail "$what: expected one line on stderr, got: $(cat e.txt)"
  [[ "$(cat e.txt)" =~ $re ]] || fail "$what: stderr '$(cat e.txt)' does not match /$re/"
  [ "$(stat_of requests)" = 0 ] || fail "$what: a request was sent"
}
B=("$BBPERM" --base-url "$FAKEBB_URL")
check "unknown flag" "unknown option '--frobnicate'" "${B[@]}" --frobnicate ok.csv
check "jobs 0" "jobs must be" "${B[@]}" -j 0 ok.csv
check "jobs 65" "jobs must be" "${B[@]}" -j 65 ok.csv
check "jobs text" "jobs must be" "${B[@]}" --jobs=many ok.csv
check "missing value" "needs a value" "${B[@]}" ok.csv -o
check "two inputs" "one INPUT at most" "${B[@]}" ok.csv ok.csv
check "missing input" "cannot open input 'nope.csv': No such file" "${B[@]}" nope.csv
check "directory input" "is a directory" "${B[@]}" .
chmod 000 ok.csv 2>/dev/null
if [ "$(id -u)" != 0 ]; then check "unreadable input" "Permission denied" "${B[@]}" ok.csv; fi
chmod 644 ok.csv
check "unwritable output" "cannot write '/nonexistent/x.csv'" "${B[@]}" -o /nonexistent/x.csv ok.csv
check "output is the input" "is the input" "${B[@]}" -o ok.csv ok.csv
check "plain http to a remote host" "not loopback" "$BBPERM" --base-url http://example.com/2.0 ok.csv
check "ftp url" "https://" "$BBPERM" --base-url ftp://127.0.0.1/ ok.csv
check "bad rate" "rate must" "${B[@]}" --rate 10/d ok.csv
check "bad timeout" "timeout must" "${B[@]}" --timeout 0 ok.csv
(unset BITBUCKET_EMAIL BITBUCKET_API_TOKEN
 check "no credentials" "BITBUCKET_EMAIL and BITBUCKET_API_TOKEN" "${B[@]}" ok.csv
 BITBUCKET_EMAIL=a@b.c check "half a credential" "BITBUCKET_API_TOKEN is not" "${B[@]}" ok.csv
 check "missing netrc file" "cannot read netrc file" "${B[@]}" --netrc-file nope ok.csv) || exit 1
for col in workspace privilege; do
  head -1 ok.csv | sed "s/$col,\?//; s/,$//" > h.csv; echo >> h.csv
  check "header without $col" "missing column '$col'" "${B[@]}" h.csv
done
printf 'workspace,group,privilege\n' > h.csv
check "header without a target" "missing column 'repo'" "${B[@]}" h.csv
printf 'workspace,repo,privilege\n' > h.csv
check "header without a subject" "missing column 'group'" "${B[@]}" h.csv
printf 'workspace,repo,repository,group,privilege\n' > h.csv
check "two repo columns" "both name 'repo'" "${B[@]}" h.csv
: > empty.csv
check "empty input" "empty" "${B[@]}" empty.csv
check "resume without status" "no 'status' column" "${B[@]}" --resume ok.csv
# stdout closed: a write error is exit 2 too
rc=0; "${B[@]}" -q ok.csv >&- 2>e.txt || rc=$?
expect_eq "$rc" 2 "closed stdout"

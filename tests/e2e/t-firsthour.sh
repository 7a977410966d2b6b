# What a first hour with bbperm runs into: malformed input is an invalid
# row and never a guessed request, extra cells pass through, set-up
# mistakes stop before any request with one line and exit 2.
. "$(dirname "$0")/lib.sh"
fakebb_start

# A stray quote is an invalid row, not a repaired name that gets a PUT; a
# row longer than the header keeps its extra cells after the result columns.
printf 'workspace,repo,group,privilege\nacme,"ap"i3",developers,write\nacme,api,developers,read,extra1,extra2\n' > quote.csv
run_bb quote.csv
expect_eq "$RC" 1 "stray quote: exit code"
expect_eq "$(stat_of writes)" 1 "stray quote: only the good row is sent"
expect_eq "$(csv_col out.csv status | tr '\n' ' ')" "invalid ok " "stray quote: statuses"
expect_match "$(csv_col out.csv message | head -1)" '^line 2: column 2: a quote inside the cell' "stray quote: message"
expect_eq "$(sed -n 3p out.csv)" "acme,api,developers,read,ok,200,1,,,extra1,extra2" "extra cells kept"

# plan and apply: a Cloud user that is neither {uuid}, an account id nor an
# email is invalid, with how to write it; nothing is read or sent for it
printf 'workspace,repo,user,privilege\nacme,api,Ann Example,write\nacme,api,11111111-2222-3333-4444-555555555555,read\n' > users.csv
before=$(stat_of requests)
run_bb plan users.csv
expect_eq "$RC" 1 "plan, malformed users: exit code"
expect_eq "$(stat_of requests)" "$before" "plan, malformed users: no request"
expect_eq "$(csv_col out.csv status | tr '\n' ' ')" "invalid invalid " "plan, malformed users: statuses"
expect_match "$(csv_col out.csv message | sed -n 1p)" "user: 'Ann Example' is not a user: write a \{uuid\} with its braces, an account id such as 557058:.*, or an email" "plan: name with a space"
expect_match "$(csv_col out.csv message | sed -n 2p)" "is a UUID without its braces: write \{11111111-2222-3333-4444-555555555555\}" "plan: bare UUID"
run_bb users.csv
expect_eq "$(stat_of requests)" "$before" "apply, malformed users: no request"

# --netrc without a netrc file, or without an entry for the host: exit 2
# with one line before any request, not a run of anonymous 401s
printf 'workspace,repo,group,privilege\nacme,api,developers,write\n' > one.csv
check2() { # WHAT EXPECTED-STDERR-REGEX ARGS...
  local what=$1 re=$2; shift 2
  local before rc=0
  before=$(stat_of requests)
  "$BBPERM" --base-url "$FAKEBB_URL" "$@" > o.txt 2> e.txt < /dev/null || rc=$?
  [ "$rc" = 2 ] || fail "$what: exit $rc, expected 2 (stderr: $(cat e.txt))"
  [ "$(wc -l < e.txt)" = 1 ] || fail "$what: expected one line on stderr, got: $(cat e.txt)"
  [[ "$(cat e.txt)" =~ $re ]] || fail "$what: stderr '$(cat e.txt)' does not match /$re/"
  [ "$(stat_of requests)" = "$before" ] || fail "$what: a request was sent"
}
mkdir -p home
(unset BITBUCKET_EMAIL BITBUCKET_API_TOKEN
 HOME=$T/home check2 "--netrc, no ~/.netrc" "cannot read netrc file '.*/home/.netrc': No such file" --netrc one.csv
 printf 'machine bitbucket.example.com login a password b\n' > home/.netrc
 HOME=$T/home check2 "--netrc, no entry for the host" "has no entry for 127.0.0.1" --netrc one.csv
 check2 "--netrc-file, no entry for the host" "'home/.netrc' has no entry for 127.0.0.1" --netrc-file home/.netrc one.csv
 printf 'machine 127.0.0.1 login admin@example.com password s3cret-token\n' > home/.netrc
 HOME=$T/home run_bb --netrc one.csv
 expect_eq "$RC" 0 "--netrc with an entry for the host") || exit 1

# a mistyped command, a rate without its unit
check2 "mistyped command" "^bbperm: unknown command 'exprot'" exprot acme
check2 "mistyped command after options" "^bbperm: unknown command 'plna'" -j 2 plna
check2 "rate without a unit" "rate must be a number and a unit: N/s, N/m or N/h .*not '1000'" --rate 1000 one.csv
# bare bbperm with standard input on a terminal: the usage, exit 2
python3 - "$BBPERM" <<'PY' > tty.txt || fail "bare bbperm on a terminal: $(cat tty.txt)"
import os, subprocess, sys
master, slave = os.openpty()
p = subprocess.run([sys.argv[1]], stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10)
os.close(slave); os.close(master)
sys.stdout.write(p.stderr.decode())
sys.exit(0 if p.returncode == 2 else 1)
PY
expect_match "$(head -1 tty.txt)" "^Usage: bbperm" "bare bbperm on a terminal"

# a header error lists every missing column, the columns found, and --map
printf 'Space,Repository Name,Team\nacme,api,developers\n' > badhead.csv
check2 "header error" "missing columns 'workspace' .*; 'repo' .*; 'privilege' \(or 'permission'\)\. The header has 'Space', 'Repository Name', 'Team'\. Name a column with --map" badhead.csv
# Excel's sep= line sets the delimiter, is no header, and is kept; so is a BOM
printf '\xef\xbb\xbfsep=;\r\nworkspace;repo;group;privilege\r\nacme;api;developers;write\r\n' > sep.csv
run_bb sep.csv
expect_eq "$RC" 0 "sep= line: exit code"
printf '\xef\xbb\xbfsep=;\r\nworkspace;repo;group;privilege;status;http_status;attempts;message;previous\r\nacme;api;developers;write;ok;200;1;;\r\n' > want.csv
expect_file out.csv want.csv "sep= line and BOM kept"
printf '\xef\xbb\xbfworkspace,repo,group,privilege\nacme,web,developers,read\n' > bom.csv
run_bb bom.csv
expect_eq "$(head -c 12 out.csv | od -An -c | tr -s ' ')" " 357 273 277 w o r k s p a c e" "BOM kept"
# export takes --delimiter, and its output reads back
run_bb export --delimiter ';' acme
expect_eq "$RC" 0 "export --delimiter: exit code"
expect_eq "$(head -1 out.csv)" "workspace;repo;project;group;user;privilege;name" "export --delimiter: header"
[ "$(grep -c ';' out.csv)" = "$(wc -l < out.csv)" ] || fail "export --delimiter: a line without ';'"
mv out.csv export.csv
run_bb plan export.csv
expect_eq "$RC" 0 "plan of the ';' export: exit code"
statuses=$(python3 -c "
import csv, sys
print(' '.join(sorted({r['status'] for r in csv.DictReader(open(sys.argv[1], newline=''), delimiter=';')})))" out.csv)
expect_eq "$statuses" "ok" "plan of the ';' export: every row unchanged"

# summaries say "1 row", "1 request", and a slow --rate gives no "0 rows/s"
run_bb --rate 60/m one.csv
expect_match "$(tail -1 err.txt)" "^bbperm: 1 row: 1 ok, 0 failed, 0 invalid; 1 request, 0 x 429, .* s(, [0-9]+ rows/(s|min))?$" "summary of one row"
printf 'workspace,repo,group,privilege\nacme,api,developers,write\nacme,web,developers,write\nacme,docs,developers,write\n' > three.csv
run_bb --rate 60/m three.csv
expect_match "$(tail -1 err.txt)" "; 3 requests, .*, [0-9]+ rows/min$" "slow rate in rows a minute"

# result rows and the progress line on one terminal never share a line
fakebb_stop
fakebb_start --latency 20
rows_csv 100 > in.csv
command -v script >/dev/null || skip "script(1) not installed"
script -qfec "$BBPERM --base-url $FAKEBB_URL -j 2 --progress in.csv" /dev/null > tty.txt < /dev/null
python3 - tty.txt <<'PY' || fail "progress line mixed with result rows on one terminal"
import sys
# replay what a terminal shows: \r goes to column 0, ESC[K erases to the end
lines, cur, col, data = [], [], 0, open(sys.argv[1], 'rb').read().decode()
i = 0
while i < len(data):
    c = data[i]
    if data.startswith('\x1b[K', i):
        del cur[col:]; i += 3; continue
    if c == '\r': col = 0
    elif c == '\n': lines.append(''.join(cur)); cur, col = [], 0
    else:
        if col < len(cur): cur[col] = c
        else: cur.append(c)
        col += 1
    i += 1
lines.append(''.join(cur))
rows = [l for l in lines if 'bulk-' in l]
bad = [l for l in rows if 'bbperm' in l or not l.startswith('acme,bulk-')]
if len(rows) != 100 or bad:
    print(f"{len(rows)} rows shown; mixed: {bad[:3]}")
    sys.exit(1)
PY
grep -q $'\r''bbperm: [0-9]*/100 rows' tty.txt || fail "no progress line drawn"

# with -o FILE, the first 5 failed and invalid rows are named on stderr too
fakebb_stop
fakebb_start
{ echo 'workspace,repo,group,privilege'
  for i in 1 2 3 4; do echo "acme,no-such-repo-$i,developers,write"; echo "acme,api,developers,bogus$i"; done
  echo 'acme,api,developers,read'; } > bad.csv
"$BBPERM" --base-url "$FAKEBB_URL" -o res.csv bad.csv 2> err.txt && fail "bad.csv: exit 0"
nbad=$(csv_col res.csv status | grep -cE '^(failed|invalid)$')
expect_eq "$nbad" 8 "failed and invalid rows in bad.csv"
expect_eq "$(grep -cE '^bbperm: (failed|invalid): line [0-9]+: ' err.txt)" 5 "rows named on stderr"
expect_eq "$(grep -c '^bbperm: \.\.\. and ' err.txt)" 1 "the rest counted"
expect_eq "$(sed -n 6p err.txt)" "bbperm: ... and $((nbad - 5)) more in res.csv" "the rest counted, with the file"
expect_match "$(head -1 err.txt)" "^bbperm: (failed: line [0-9]+: [0-9]{3} |invalid: line [0-9]+: [a-z])" "first row named"
expect_match "$(tail -1 err.txt)" "^bbperm: [0-9]+ rows: " "then the summary"
# to standard output, or with -q, stderr keeps to the summary
"$BBPERM" --base-url "$FAKEBB_URL" bad.csv > /dev/null 2> err.txt
expect_eq "$(wc -l < err.txt)" 1 "no row named when the result is on standard output"

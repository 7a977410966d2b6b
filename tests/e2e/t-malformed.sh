# Malformed input, one case at a time: the row is 'invalid' with its line
# number and the problem, the run goes on, and memory stays bounded.
. "$(dirname "$0")/lib.sh"
fakebb_start
check() { # FILE ROW-NUMBER EXPECTED-MESSAGE-REGEX
  run_bb "$1"
  expect_eq "$RC" 1 "$1: exit code"
  expect_eq "$(csv_col out.csv status | sed -n "${2}p")" invalid "$1: status of row $2"
  expect_match "$(csv_col out.csv message | sed -n "${2}p")" "$3" "$1: message"
  expect_eq "$(csv_col out.csv status | grep -c '^ok$')" 2 "$1: the other rows still ran"
}
H='workspace,repo,group,privilege,note'
printf '%s\nacme,api,admins,read,a\nacme,web,admins,read,caf\xe9\nacme,docs,admins,read,c\n' "$H" > latin1.csv
check latin1.csv 2 "^line 3: column 5: invalid UTF-8$"
printf '%s\nacme,api,admins,read,a\nacme,web,admins,read,x\0y\nacme,docs,admins,read,c\n' "$H" > nul.csv
check nul.csv 2 "^line 3: column 5: a NUL byte$"
printf '%s\nacme,api,admins,read,a\nacme,web,admins\nacme,docs,admins,read,c\n' "$H" > short.csv
check short.csv 2 "^line 3: record has 3 cells, the header has 5$"
{ printf '%s\nacme,api,admins,read,a\nacme,web,admins,read,"' "$H"; head -c 100000 /dev/zero | tr '\0' x; printf '"\nacme,docs,admins,read,c\n'; } > long.csv
check long.csv 2 "^line 3: a cell is longer than 65536 bytes$"
printf '%s\nacme,api,admins,read,a\nacme,docs,admins,read,c\nacme,web,admins,read,"open\n' "$H" > open.csv
check open.csv 3 "^line 4: unterminated quote at the end of the input$"
# an unterminated quote early on swallows the rest of a large file into one
# cell: the cell is dropped as it grows, so memory stays bounded
{ printf '%s\nacme,api,admins,read,a\nacme,docs,admins,read,c\nacme,web,admins,read,"' "$H"; head -c 30000000 /dev/zero | tr '\0' '\n'; } > huge.csv
kib=$(peak_rss_kib "$BBPERM" --base-url "$FAKEBB_URL" -q -o out.csv huge.csv)
echo "peak RSS with a 30 MB unterminated cell: $kib KiB"
if rss_limit_applies; then [ "$kib" -lt 20480 ] || fail "peak RSS $kib KiB"; fi
expect_match "$(csv_col out.csv message | sed -n 3p)" "^line 4: a cell is longer than 65536 bytes" "message for the huge cell"

# On a terminal, one progress line redrawn in place (rows done/total, ok,
# failed, invalid, rate, 429s, pause, ETA); --no-progress and -q turn it off.
. "$(dirname "$0")/lib.sh"
command -v script >/dev/null || skip "script(1) not installed"
fakebb_start --latency 20
rows_csv 200 > in.csv
script -qfec "$BBPERM --base-url $FAKEBB_URL -j 2 -o out.csv in.csv" /dev/null > tty.txt < /dev/null
redraws=$(grep -o $'\r''bbperm: [0-9]*/200 rows' tty.txt | wc -l)
echo "progress redraws: $redraws"
[ "$redraws" -ge 3 ] || fail "expected the progress line to be redrawn; got: $(head -c 600 tty.txt | cat -v)"
expect_match "$(cat tty.txt)" "[0-9]+/200 rows, [0-9]+ ok, 0 failed, 0 invalid, [0-9]+ req/s, 0 x 429, 0 s paused, ETA [0-9]+s" "progress line"
expect_match "$(cat tty.txt)" "200 rows: 200 ok, 0 failed, 0 invalid" "summary"
script -qfec "$BBPERM --base-url $FAKEBB_URL -j 2 --no-progress -o out.csv in.csv" /dev/null > tty2.txt < /dev/null
grep -q $'\r''bbperm' tty2.txt && fail "--no-progress drew a progress line"
expect_match "$(cat tty2.txt)" "200 rows: 200 ok" "summary with --no-progress"
script -qfec "$BBPERM --base-url $FAKEBB_URL -j 2 -q -o out.csv in.csv" /dev/null > tty3.txt < /dev/null
expect_eq "$(cat tty3.txt)" "" "-q prints nothing"
# -v writes its own lines: no line redrawn in place between them
script -qfec "$BBPERM --base-url $FAKEBB_URL -j 2 -v -o out.csv in.csv" /dev/null > tty4.txt < /dev/null
grep -q $'\r''bbperm: [0-9]*/200 rows' tty4.txt && fail "-v on a terminal redrew the progress line"
expect_match "$(cat tty4.txt)" "< 200 PUT" "-v lines on a terminal"

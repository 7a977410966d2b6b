# some-export | bbperm - > results.csv: stdin to stdout, and no INPUT at all.
. "$(dirname "$0")/lib.sh"
fakebb_start
printf 'workspace,repo,group,privilege\nacme,api,developers,write\nacme,web,developers,read\n' > in.csv
cat in.csv | "$BBPERM" --base-url "$FAKEBB_URL" - > a.csv 2>/dev/null || fail "exit $? from stdin '-'"
cat in.csv | "$BBPERM" --base-url "$FAKEBB_URL" -o - > b.csv 2>/dev/null || fail "exit $? with -o -"
"$BBPERM" --base-url "$FAKEBB_URL" < in.csv > c.csv 2>/dev/null || fail "exit $? with no INPUT"
"$BBPERM" --base-url "$FAKEBB_URL" -q -o d.csv in.csv > stdout.txt 2>stderr.txt || fail "exit $? with -o"
printf 'workspace,repo,group,privilege,status,http_status,attempts,message,previous\nacme,api,developers,write,ok,200,1,,\nacme,web,developers,read,ok,200,1,,\n' > want.csv
for f in a b c d; do expect_file $f.csv want.csv "result $f"; done
expect_eq "$(cat stdout.txt stderr.txt)" "" "-o with -q prints nothing"
# a producer that writes slowly: rows come out as they are done, before EOF
mkfifo fifo
( printf 'workspace,repo,group,privilege\nacme,api,admins,read\n'; sleep 2; printf 'acme,web,admins,read\n' ) > fifo &
"$BBPERM" --base-url "$FAKEBB_URL" -q fifo > slow.csv &
bb=$!
sleep 1.2
expect_eq "$(grep -c ',ok,' slow.csv)" 1 "first row written while the producer still runs"
wait $bb || fail "slow producer run failed"
expect_eq "$(grep -c ',ok,' slow.csv)" 2 "both rows at the end"

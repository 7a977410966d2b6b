# 100,000 rows stream through in bounded memory: peak RSS under 20 MiB,
# against the server and in a dry run, and every row comes out, in order.
. "$(dirname "$0")/lib.sh"
fakebb_start
python3 -c "
print('workspace,repo,group,privilege,n')
for i in range(100000): print(f'acme,bulk-{i:06d},developers,{(\"read\",\"write\",\"admin\")[i%3]},{i}')
" > big.csv
kib=$(peak_rss_kib "$BBPERM" --base-url "$FAKEBB_URL" -q -j 8 -o out.csv big.csv)
echo "peak RSS against the server: $kib KiB"
if rss_limit_applies; then [ "$kib" -lt 20480 ] || fail "peak RSS $kib KiB >= 20 MiB"; fi
expect_eq "$(wc -l < out.csv)" 100001 "result lines"
expect_eq "$(csv_col out.csv n | python3 -c 'import sys; v=[int(x) for x in sys.stdin]; print(v==list(range(100000)))')" True "rows in input order"
expect_eq "$(csv_col out.csv status | sort | uniq -c | tr -s ' ')" " 100000 ok" "statuses"
expect_eq "$(state | grep -c bulk-)" 100000 "permissions on the server"
kib=$(peak_rss_kib "$BBPERM" -n -q -o dry.csv big.csv)
echo "peak RSS dry run: $kib KiB"
if rss_limit_applies; then [ "$kib" -lt 20480 ] || fail "dry-run peak RSS $kib KiB >= 20 MiB"; fi

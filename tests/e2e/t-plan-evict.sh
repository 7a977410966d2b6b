# A plan over more targets than the live-state cache holds (4,096): a target
# dropped and listed again still shows what the plan's earlier rows left
# for it, since a plan writes nothing.
. "$(dirname "$0")/lib.sh"
fakebb_start
python3 -c "
print('workspace,repo,group,privilege')
print('acme,bulk-000000,developers,write')
for i in range(1, 4301): print(f'acme,bulk-{i:06d},developers,read')
print('acme,bulk-000000,developers,admin')
print('acme,bulk-000000,old-team,none')" > in.csv
run_bb plan -q -j 4 in.csv
expect_eq "$RC" 0 "exit code"
expect_eq "$(sed -n 2p out.csv)" "acme,bulk-000000,developers,write,planned,,0,grant write,none" "first row"
expect_eq "$(sed -n 4303p out.csv)" "acme,bulk-000000,developers,admin,planned,,0,change write to admin,write" \
  "a row after its target was dropped compares with the plan's earlier row"
expect_eq "$(sed -n 4304p out.csv)" "acme,bulk-000000,old-team,none,ok,,0,unchanged,none" "another subject"
expect_eq "$(csv_col out.csv status | sort | uniq -c | tr -s ' ' | paste -sd,)" " 1 ok, 4302 planned" "statuses"
expect_eq "$(stat_of writes)" 0 "a plan writes nothing"
# bulk-000000 was dropped once: its group list is read twice, every other once
expect_eq "$(stat_of lists)" 4302 "list pages"

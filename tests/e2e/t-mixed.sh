# A mixed CSV: grants, revokes, users, projects, rows the server refuses,
# invalid rows, pass-through cells with commas, quotes and line breaks.
# The result CSV must match row by row, and the server must end in the state
# the CSV asked for.
. "$(dirname "$0")/lib.sh"
D=$ROOT/tests/e2e/data
fakebb_start
run_bb -j 8 "$D/mixed.csv"
expect_eq "$RC" 1 "exit code with failed and invalid rows"
expect_file out.csv "$D/mixed.expected.csv" "result CSV"
state > state.txt; echo >> state.txt
printf '%s\n' "$(cat state.txt)" > state.txt
expect_file state.txt "$D/mixed.expected-state" "server state"
expect_match "$(cat err.txt)" "20 rows: 11 ok, 3 failed \(404 x3\), 6 invalid" "summary"
# every request the server saw is accounted for in 'attempts'
attempts=$(csv_col out.csv attempts | paste -sd+ | bc)
expect_eq "$attempts" "$(stat_of requests)" "attempts against server requests"

# A mixed CSV: grants, revokes, users, projects, rows the server refuses,
# invalid rows, pass-through cells with commas, quotes and line breaks.
# The result CSV must match row by row, and the server must end in the state
# the CSV asked for. A blind apply leaves 'previous' empty; a row with both
# repo and project is a repository row; 'x?y' is a pattern over the listed
# repositories (it matches the repository 'x?y' only).
. "$(dirname "$0")/lib.sh"
D=$ROOT/tests/e2e/data
fakebb_start
run_bb -j 8 "$D/mixed.csv"
expect_eq "$RC" 1 "exit code with failed and invalid rows"
expect_file out.csv "$D/mixed.expected.csv" "result CSV"
state > state.txt; echo >> state.txt
printf '%s\n' "$(cat state.txt)" > state.txt
expect_file state.txt "$D/mixed.expected-state" "server state"
expect_match "$(cat err.txt)" "20 rows: 12 ok, 2 failed \(404 x2\), 6 invalid" "summary"
# every write the server saw is accounted for in 'attempts'; the only other
# request is the one page of acme's repositories that the pattern costs
attempts=$(csv_col out.csv attempts | paste -sd+ | bc)
expect_eq "$attempts" "$(stat_of writes)" "attempts against server writes"
expect_eq "$(stat_of repo_lists)" 1 "repository list pages for the pattern"
expect_eq "$(stat_of lists)" 0 "permission lists in a blind apply"
expect_eq "$(stat_of requests)" $((attempts + 1)) "requests: writes + one repository page"

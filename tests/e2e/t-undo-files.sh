# The undo file is never the output, the input or --resume-from, compared
# as files (u.csv and ./u.csv are one, before or after either exists): the
# run stops with exit 2 and one line before any request, and writes nothing.
. "$(dirname "$0")/lib.sh"
fakebb_start
rows_csv 3 > in.csv
run_bb -o prev.csv in.csv
expect_eq "$RC" 0 "exit code of the first run"
before=$(stat_of requests)

refused() { # WHAT ARGS...: exit 2, one line naming --undo-file, no request
  local what=$1; shift
  run_bb "$@"
  expect_eq "$RC" 2 "exit code: $what"
  expect_eq "$(grep -c '' err.txt)" 1 "one line: $what ($(cat err.txt))"
  expect_match "$(cat err.txt)" "^bbperm: --undo-file '[^']*' is .*give each its own file" "message: $what"
  expect_eq "$(stat_of requests)" "$before" "requests: $what"
}
refused "the output, same name" --undo-file u.csv -o u.csv in.csv
[ -e u.csv ] || [ -e u.csv.partial ] && fail "the refused run wrote a file"
refused "the output, another spelling" --undo-file u.csv -o ./u.csv in.csv
refused "the output, through its directory" --undo-file "$PWD/u.csv" -o ../"$(basename "$PWD")"/u.csv in.csv
refused "the input" --undo-file ./in.csv in.csv
refused "--resume-from" --undo-file prev.csv --resume-from ./prev.csv -o out2.csv in.csv
[ -e u.csv ] || [ -e u.csv.partial ] && fail "a refused run wrote a file"
expect_eq "$(($(wc -l < prev.csv) - 1))" 3 "--resume-from untouched"

# apart, they work
run_bb --undo-file u.csv -o u-result.csv in.csv
expect_eq "$RC" 0 "exit code with distinct files ($(cat err.txt))"
expect_eq "$(head -1 u.csv)" "workspace,repo,project,group,user,privilege" "the undo file's header"

# a write the server refused (404: no such group) changed nothing: at the end
# of the run the undo file has no row for it, only for the accepted write
cat > grants.csv <<'CSV'
workspace,repo,group,privilege
acme,docs,contractors,admin
acme,docs,nosuchgroup,write
CSV
run_bb --undo-file u2.csv -o r2.csv grants.csv
expect_eq "$RC" 1 "exit code with a refused write"
expect_eq "$(csv_col r2.csv http_status | paste -sd,)" "200,404" "answers"
expect_eq "$(cat u2.csv)" "workspace,repo,project,group,user,privilege
acme,docs,,contractors,,none" "the undo file keeps only the accepted write"
run_bb -o undone.csv u2.csv
expect_eq "$RC" 0 "exit code of the undo ($(cat err.txt))"

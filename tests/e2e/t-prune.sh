# --prune on Cloud: a project whose live state differs from its file in every
# way. plan lists exactly the revocations after the file's rows (export's
# order and cells, 'planned', previous = what it had), --detailed-exitcode is
# 3; apply makes the scope equal the file and leaves the rest alone; a
# re-plan is all unchanged with exit 0; the undo file restores the state
# before; the caller's own permission is kept; the guard holds at 25% and at
# a count; an invalid row and an unknown email each stop the scope; a 403
# target is named and skipped while the others are pruned; names that try to
# break the markdown table do not; the request budget is export's plus the
# file's lookups plus one for the caller.
. "$(dirname "$0")/lib.sh"
FAKEBB_FIXTURE=$ROOT/tests/e2e/data/prune-fx.json
fakebb_start
cat > file.csv <<'CSV'
workspace,repo,project,group,user,privilege,ticket
acme,api,,developers,,admin,T-1
acme,api,,,ann@example.com,read,T-2
acme,api,,,{bbbbbbbb-0000-0000-0000-000000000002},admin,T-3
acme,,PROJ,admins,,admin,T-4
acme,web,,old-team,,none,T-5
CSV
state > before.txt
run_bb plan --prune acme/PROJ --max-prune 100% --detailed-exitcode --markdown plan.md file.csv
expect_eq "$RC" 3 "plan exit with changes"
cat > want.csv <<'CSV'
workspace,repo,project,group,user,privilege,ticket,status,http_status,attempts,message,previous
acme,api,,developers,,admin,T-1,planned,,0,change write to admin,write
acme,api,,,ann@example.com,read,T-2,planned,,0,grant read; ann@example.com is account 557058:ann,none
acme,api,,,{bbbbbbbb-0000-0000-0000-000000000002},admin,T-3,ok,,0,unchanged,admin
acme,,PROJ,admins,,admin,T-4,ok,,0,unchanged,admin
acme,web,,old-team,,none,T-5,ok,,0,unchanged,none
acme,,PROJ,old-team,,none,,planned,,0,revoke write: not in the file,write
acme,api,PROJ,old-team,,none,,planned,,0,revoke read: not in the file,read
acme,web,PROJ,contractors,,none,,planned,,0,revoke read: not in the file,read
CSV
head -9 out.csv > got.csv
expect_file got.csv want.csv "plan --prune rows"
expect_match "$(sed -n 10p out.csv)" '^acme,web,PROJ,,557058:00000000-0000-0000-0000-00000000fa6e,admin,,ok,,0,"kept: the caller.s own admin; would be revoked, but .*authenticates as",admin$' "the caller's own permission is kept"
expect_eq "$(wc -l < out.csv)" 10 "no row outside the scope (infra is OPS)"
grep -q '| old-team | write | none |  | planned |' plan.md || fail "markdown lists the prune revocation"
grep -q '| to grant | to change | to revoke' plan.md || fail "markdown summary"

# the plan is self-contained: --resume applies its prune rows too
cp out.csv plan.csv
run_bb apply --prune acme/PROJ --max-prune 100% --undo-file undo.csv -o applied.csv file.csv
expect_eq "$RC" 0 "apply --prune exit"
state > after.txt
grep -q contractors after.txt && fail "apply revoked what the file does not name: $(cat after.txt)"
grep -q 'infra.*old-team' after.txt || fail "apply left what is outside the scope: $(cat after.txt)"
grep -q 'api.*developers.*admin' after.txt || fail "the file's rows applied: $(cat after.txt)"
run_bb plan --prune acme/PROJ --detailed-exitcode file.csv
expect_eq "$RC" 0 "re-plan: nothing to change"
[ "$(csv_col out.csv status | sort -u)" = "ok" ] || fail "re-plan is all ok/unchanged: $(cat out.csv)"
run_bb apply undo.csv -o /dev/null
expect_eq "$RC" 0 "undo exit"
state > undone.txt
expect_file undone.txt before.txt "the undo file restores the state before, pruned permissions included"

# the guard: 3 revocations of 6 permissions is over 25%, and over a count of 2
run_bb plan --prune acme/PROJ file.csv
expect_eq "$RC" 1 "guard exit"
expect_eq "$(csv_col out.csv status | grep -c held)" 3 "held rows at 25%"
expect_match "$(cat err.txt)" "--max-prune 25% of" "guard line"
run_bb plan --prune acme/PROJ --max-prune 2 file.csv
expect_eq "$(csv_col out.csv status | grep -c held)" 3 "held rows at a count"
run_bb plan --prune acme/PROJ --max-prune 3 file.csv
expect_eq "$RC" 0 "a count of 3 allows 3"
run_bb plan --prune acme/PROJ --max-prune 12x file.csv
expect_eq "$RC" 2 "malformed --max-prune"
# --resume never sends a held row
run_bb plan --prune acme/PROJ file.csv -o held.csv
run_bb apply --resume held.csv -o resumed.csv
state > resumed.txt; grep -q contractors resumed.txt && [ "$(csv_col resumed.csv status | grep -c held)" = 3 ] || fail "held rows are not sent by --resume"

# an invalid row and an unknown email each stop the scope's prune
{ cat file.csv; echo "acme,web,,developers,,writ,T-9"; } > bad.csv
run_bb plan --prune acme/PROJ --max-prune 100% bad.csv
expect_eq "$RC" 1 "invalid row exit"
expect_match "$(cat err.txt)" "acme/PROJ is not pruned: line 7" "invalid row stops the scope"
[ "$(csv_col out.csv message | grep -c 'not in the file')" = 0 ] || fail "no prune rows after an invalid row"
{ cat file.csv; echo "acme,api,,,nobody@example.com,read,T-9"; } > bad.csv
run_bb plan --prune acme/PROJ --max-prune 100% bad.csv
expect_match "$(cat err.txt)" "acme/PROJ is not pruned: line 7" "unknown email stops the scope"
# a row outside the scope stops nothing there
{ cat file.csv; echo "globex,billing,,developers,,writ,T-9"; } > other.csv
run_bb plan --prune acme/PROJ --max-prune 100% other.csv
[ "$(csv_col out.csv message | grep -c 'not in the file')" = 3 ] || fail "a bad row of another workspace stops nothing"

# a 403 target is named and skipped; the others are pruned
python3 - "$FAKEBB_FIXTURE" <<'PY'
import json, sys
fx = json.load(open(sys.argv[1])); fx["workspaces"]["acme"]["forbidden"] = ["web"]
json.dump(fx, open("fx403.json", "w"))
PY
fakebb_stop; FAKEBB_FIXTURE=$PWD/fx403.json fakebb_start
run_bb plan --prune acme/PROJ --max-prune 100% file.csv
expect_eq "$RC" 1 "403 target exit"
expect_match "$(cat err.txt)" "prune: cannot read acme/web: 403" "403 target named"
[ "$(csv_col out.csv message | grep -c 'not in the file')" = 2 ] || fail "the scope's other targets are pruned: $(cat out.csv)"

# names that try to break the markdown table
printf 'workspace,repo,project,group,user,privilege,ticket\nacme,api,,"a|b<img src=x>[l](http://x) @all\nx",,writ,"T|1"\n' > md.csv
run_bb plan --markdown md.md md.csv
python3 - <<'PY' || fail "markdown escaping: $(cat md.md)"
rows = [l for l in open("md.md") if l.startswith("| acme")]
bad = [l for l in rows if l.count("|") - l.count("\\|") != 7]
assert rows and not bad, bad
t = open("md.md").read()
import re
assert not re.search(r'(?<!\\)[<>\[\]()@!&]', t), t   # each one escaped
assert "http://" not in t
PY
exit 0

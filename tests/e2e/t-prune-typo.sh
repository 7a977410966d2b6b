# --prune on Cloud: a row that may be a typo stops its scope. A group
# Bitbucket does not know ('contractrs' for 'contractors'), a user who is no
# member of the workspace ({uuid} or account id), a repository that does not
# exist (with the scope's project in its project cell, or with none) each
# stop acme/PROJ: plan checks the subject (one 1.0 groups request per
# workspace, one members request per user new to its target) and writes the
# row 'failed'; apply sends no DELETE once such a row's write or read
# answered 404. When the 1.0 groups resource is gone plan says so once and
# plans the grant, and apply still revokes nothing. A row of another
# workspace or of another project of acme stops nothing; a 403 on one
# target keeps that target alone out of the prune.
. "$(dirname "$0")/lib.sh"
FAKEBB_FIXTURE=$ROOT/tests/e2e/data/prune-fx.json
fakebb_start --log req.log
# the live state of acme/PROJ but for old-team's read on api: a prune of
# the scope revokes exactly that one
cat > base.csv <<'CSV'
workspace,repo,project,group,user,privilege
acme,,PROJ,admins,,admin
acme,,PROJ,old-team,,write
acme,api,PROJ,developers,,write
acme,api,PROJ,,557058:bob,admin
acme,web,PROJ,contractors,,read
CSV
pruned() { csv_col out.csv message | grep -c 'not in the file'; }
# the server's log from the last mark on (the log is appended to, never cut)
mark() { MARK=$(wc -l < req.log); }
since() { tail -n +$((MARK + 1)) req.log; }
state > before.txt

# the file as it is: the scope is pruned (one revocation)
run_bb plan --prune acme/PROJ --max-prune 100% base.csv
expect_eq "$RC" 0 "plan of the base file"
expect_eq "$(pruned)" 1 "the base file prunes old-team on api: $(cat out.csv)"

# a mistyped group: plan fails the row and stops the scope, with one groups request
sed 's/contractors/contractrs/' base.csv > typo.csv
curl -sf -X POST "$FAKEBB_URL/_reset" >/dev/null
run_bb plan --prune acme/PROJ --max-prune 100% typo.csv
expect_eq "$RC" 1 "plan with a mistyped group"
expect_match "$(csv_col out.csv message | sed -n 5p)" "^no such group: contractrs$" "the typo row's message"
expect_eq "$(csv_col out.csv status | sed -n 5p)" failed "the typo row's status"
expect_eq "$(pruned)" 0 "no prune row after a mistyped group"
expect_match "$(cat err.txt)" "acme/PROJ is not pruned: line 6" "the scope and the line"
expect_eq "$(stat_of access_lists)" 1 "one 1.0 groups request"
# apply: the write answers 404 and no DELETE goes out
mark
run_bb apply --prune acme/PROJ --max-prune 100% typo.csv
expect_eq "$RC" 1 "apply with a mistyped group"
expect_match "$(cat err.txt)" "acme/PROJ is not pruned: line 6" "apply names the scope and the line"
since | grep -q DELETE && fail "a DELETE was sent: $(since | grep DELETE)"
state > after.txt
expect_file after.txt before.txt "apply with a mistyped group changes nothing"

# a user who is no member: by {uuid} and by account id, plan and apply
for u in '{cccccccc-0000-0000-0000-000000000003}' '557058:nobody'; do
  { cat base.csv; echo "acme,api,PROJ,,$u,read"; } > nonmember.csv
  run_bb plan --prune acme/PROJ --max-prune 100% nonmember.csv
  expect_eq "$RC" 1 "plan with a non-member $u"
  expect_eq "$(csv_col out.csv message | sed -n 6p)" "not a member of acme: $u" "non-member row"
  expect_eq "$(pruned)" 0 "no prune row after a non-member $u"
  expect_match "$(cat err.txt)" "acme/PROJ is not pruned: line 7" "non-member line"
  run_bb apply --prune acme/PROJ --max-prune 100% nonmember.csv
  expect_eq "$RC" 1 "apply with a non-member $u"
  state > after.txt
  expect_file after.txt before.txt "apply with a non-member $u changes nothing"
done
# a member new to the target is checked once and planned as a grant
{ cat base.csv; echo "acme,api,PROJ,,{aaaaaaaa-0000-0000-0000-000000000001},read"; } > member.csv
curl -sf -X POST "$FAKEBB_URL/_reset" >/dev/null; mark
run_bb plan --prune acme/PROJ --max-prune 100% member.csv
expect_eq "$RC" 0 "plan with a member new to the target"
expect_eq "$(csv_col out.csv status | sed -n 6p)" planned "a member's grant is planned"
expect_eq "$(pruned)" 1 "a member's row stops nothing"
# one members request, and no groups request (every group holds a permission)
expect_eq "$(stat_of access_lists)" 1 "one members request, no groups request"

# a repository that does not exist, with the scope's project and without a
# project cell, or that the scope's listing does not hold though the project
# cell names the scope's project
for row in 'acme,pa"y-1,PROJ,developers,,read' 'acme,pa"y-1,,developers,,read' \
           'acme,apii,,developers,,read' 'acme,apii,PROJ,developers,,read' \
           'acme,infra,PROJ,developers,,read'; do
  { cat base.csv; echo "$row"; } > badrow.csv
  run_bb plan --prune acme/PROJ --max-prune 100% badrow.csv
  expect_eq "$RC" 1 "plan with $row"
  expect_eq "$(pruned)" 0 "no prune row after $row"
  expect_match "$(cat err.txt)" "acme/PROJ is not pruned: line 7" "$row stops the scope"
  run_bb apply --prune acme/PROJ --max-prune 100% badrow.csv
  state | grep -v 'infra	group	developers' > after.txt
  expect_file after.txt before.txt "apply with $row revokes nothing"
done
# ... but not when it lies in another workspace or names another project
for row in 'globex,apii,,developers,,read' 'acme,apii,OPS,developers,,read' 'acme,infra,OPS,contractrs,,read'; do
  { cat base.csv; echo "$row"; } > other.csv
  run_bb plan --prune acme/PROJ --max-prune 100% other.csv
  expect_eq "$RC" 1 "plan with $row (the row fails)"
  expect_eq "$(pruned)" 1 "$row stops nothing in acme/PROJ: $(cat err.txt)"
done
{ cat base.csv; echo 'acme,infra,,developers,,read'; } > other.csv
run_bb plan --prune acme/PROJ --max-prune 100% other.csv
expect_eq "$RC" 0 "plan with a row of another project without a project cell"
expect_eq "$(pruned)" 1 "a repository of another project stops nothing"


# the 1.0 groups resource gone: plan says so and plans the grant; apply revokes nothing
python3 - "$FAKEBB_FIXTURE" <<'PY'
import json, sys
fx = json.load(open(sys.argv[1])); fx["access"] = {"workspaces": {"acme": {"groups_gone": True}}}
json.dump(fx, open("gone.json", "w"))
PY
fakebb_stop; FAKEBB_FIXTURE=$PWD/gone.json fakebb_start --log req.log
run_bb plan --prune acme/PROJ --max-prune 100% typo.csv
expect_eq "$(grep -c 'plan could not check the groups' err.txt)" 1 "one line says the groups could not be checked: $(cat err.txt)"
expect_eq "$(csv_col out.csv status | sed -n 5p)" planned "the typo row is planned when groups cannot be checked"
# that plan, saved and applied (plain and --resume): the typo fails with 404
# and none of the plan's revocations goes out after it
cp out.csv saved-plan.csv
grep -q 'not in the file' saved-plan.csv || fail "the saved plan holds no prune row"
for how in plain --resume; do
  mark
  if [ "$how" = plain ]; then run_bb apply saved-plan.csv; else run_bb --resume saved-plan.csv; fi
  expect_eq "$RC" 1 "applying the saved plan ($how) with a mistyped group"
  since | grep -q DELETE && fail "$how: a DELETE was sent: $(since | grep DELETE)"
  grep -q 'not sent: line 6 of the plan did not succeed' out.csv || fail "$how: prune rows not held back: $(cat out.csv)"
  state > after.txt
  expect_file after.txt before.txt "applying the saved plan ($how) changes nothing but the typo's failed grant"
done
mark
run_bb apply --prune acme/PROJ --max-prune 100% typo.csv
expect_eq "$RC" 1 "apply with a mistyped group, groups gone"
since | grep -q DELETE && fail "a DELETE was sent: $(since | grep DELETE)"
state > after.txt
expect_file after.txt before.txt "apply with the groups gone changes nothing"

# a 403 on one target: that target is named and not pruned, the scope's others are
python3 - "$FAKEBB_FIXTURE" <<'PY'
import json, sys
fx = json.load(open(sys.argv[1])); fx["workspaces"]["acme"]["forbidden"] = ["web"]
json.dump(fx, open("fx403.json", "w"))
PY
fakebb_stop; FAKEBB_FIXTURE=$PWD/fx403.json fakebb_start --log req.log
run_bb apply --prune acme/PROJ --max-prune 100% typo.csv
expect_eq "$RC" 1 "apply with a 403 target"
expect_match "$(cat err.txt)" "prune: cannot read acme/web: 403" "the 403 target is named"
expect_eq "$(pruned)" 1 "the scope's other targets are pruned: $(cat out.csv)"
state | grep -q 'api	group	old-team' && fail "old-team on api was not revoked"
exit 0

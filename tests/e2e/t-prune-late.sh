# One listing per scope per run: a repository that appears after the
# listing a PROJECT/* pattern read (the fake lists 'late' only from its
# second repository listing page on) is neither granted by the pattern nor
# pruned, whether the scope is that project (its repositories come from the
# pattern's listing: one listing page in all) or the whole workspace (its
# own listing sees 'late', which the pattern's lacks: named on stderr, not
# pruned).
. "$(dirname "$0")/lib.sh"
python3 - "$ROOT/tests/e2e/data/prune-fx.json" <<'PY'
import json, sys
fx = json.load(open(sys.argv[1]))
fx["workspaces"]["acme"]["repositories"].append({"slug": "late", "project": "PROJ", "listed_after": 1})
fx["permissions"].append({"workspace": "acme", "repository": "late", "user": "557058:bob", "permission": "admin"})
json.dump(fx, open("fx.json", "w"))
PY
FAKEBB_FIXTURE=$PWD/fx.json
fakebb_start
reset() { curl -sf -X POST "$FAKEBB_URL/_reset" >/dev/null; }
cat > file.csv <<'CSV'
workspace,repo,project,group,user,privilege
acme,PROJ/*,,developers,,write
acme,api,,,557058:bob,admin
acme,,PROJ,admins,,admin
acme,,PROJ,old-team,,write
acme,infra,,old-team,,read
CSV
for scope in acme/PROJ acme; do
  reset
  run_bb apply --prune $scope --max-prune 100% -o applied.csv file.csv
  grep -q ',late,' applied.csv && fail "$scope: the late repository is in the run: $(cat applied.csv)"
  state | grep -q 'repository	acme	late	user	557058:bob	admin' || fail "$scope: late is not pruned: $(state)"
  state | grep -q 'late.*developers' && fail "$scope: late is not granted: $(state)"
  state | grep -q 'repository	acme	web	group	contractors' && fail "$scope: the rest is pruned: $(state)"
  state | grep -q 'repository	acme	web	group	developers	write' || fail "$scope: the pattern granted: $(state)"
done
expect_eq "$RC" 0 "exit"
expect_match "$(cat err.txt)" "prune: acme/late was not listed when the file's patterns were expanded" "named on stderr"
# the project scope reads one repository listing: the pattern's
reset
run_bb plan --prune acme/PROJ --max-prune 100% file.csv
expect_eq "$(stat_of repo_lists)" 1 "one listing of the project's repositories"
grep -q ',late,' out.csv && fail "plan: late is not in it: $(cat out.csv)"
exit 0

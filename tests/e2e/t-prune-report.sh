# The report a reviewer reads (--markdown): above the tables, every scope
# that was not pruned and why (with the line and the row's own reason),
# every target that could not be read, and the held count; a user is shown
# with the display name beside the id.
. "$(dirname "$0")/lib.sh"
python3 - "$ROOT/tests/e2e/data/prune-fx.json" <<'PY'
import json, sys
fx = json.load(open(sys.argv[1])); fx["workspaces"]["acme"]["forbidden"] = ["infra"]
fx["workspaces"]["acme"]["projects"].append("DEV")
fx["workspaces"]["acme"]["repositories"].append({"slug": "tools", "project": "DEV"})
fx["permissions"].append({"workspace": "acme", "repository": "tools", "user": "557058:bob", "permission": "write"})
json.dump(fx, open("fx.json", "w"))
PY
FAKEBB_FIXTURE=$PWD/fx.json
fakebb_start
cat > f.csv <<'CSV'
workspace,repo,project,group,user,privilege
acme,api,,developers,,write
acme,web,,developers,,writ
acme,,OPS,admins,,read
acme,tools,,developers,,read
CSV
run_bb plan --prune acme/PROJ --prune acme/OPS --prune acme/DEV --max-prune 1 --markdown r.md f.csv
expect_eq "$RC" 1 "exit"
above=$(sed -n '/^|---:/,/^###/p' r.md)
grep -qF -- "- acme/PROJ is not pruned\: line 3 is invalid\, could not be resolved or names what Bitbucket does not know\, and a wrong row must not become a revocation\: privilege\: \'writ\' is not one of" <<<"$above" \
  || fail "the scope not pruned, its line and why, above the tables: $(cat r.md)"
grep -qF -- "- cannot read acme/infra\: 403 " <<<"$above" || fail "the target not read: $(cat r.md)"
grep -qF -- "| 557058\:bob \(Bob\) | write | none |" r.md || fail "the display name beside the id: $(cat r.md)"
# the guard: acme/DEV's one revocation is over --max-prune 0
run_bb plan --prune acme/DEV --max-prune 0 --markdown h.md f.csv
above=$(sed -n '/^|---:/,/^###/p' h.md)
grep -qF -- "- 1 revocation held by \`--max-prune\`: not planned (listed below)" <<<"$above" || fail "the held count: $(cat h.md)"
grep -qF -- "- acme/DEV is not pruned\: 1 revocation would exceed --max-prune 0\; its rows are written \'held\'" <<<"$above" \
  || fail "the held scope: $(cat h.md)"
grep -qF -- "| acme/tools | 557058\:bob \(Bob\) | write |  | held |" h.md || fail "the held row, with the name: $(cat h.md)"
exit 0

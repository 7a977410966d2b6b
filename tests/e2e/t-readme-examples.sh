# The README's "Three examples", run as written, in order, against the
# bundled fake server (its default fixture: workspace acme, project PROJ,
# ann@example.com), with samples/grants.csv as grants.csv: each command
# only gets --base-url (the fake's) after `bbperm`, and each ends with
# exit 0 and the files it names.
. "$(dirname "$0")/lib.sh"
cp "$ROOT/samples/grants.csv" grants.csv
# the default fixture, with ann holding write on acme/api (what offboarding finds)
python3 - "$ROOT/tests/fakebb/fixture.json" <<'PY'
import json, sys
fx = json.load(open(sys.argv[1]))
fx.setdefault("permissions", []).append(
    {"workspace": "acme", "repository": "api", "user": "557058:ann", "permission": "write"})
json.dump(fx, open("fx.json", "w"))
PY
FAKEBB_FIXTURE=$PWD/fx.json
python3 - "$ROOT/README.md" > steps.txt <<'PY'
import sys
text = open(sys.argv[1]).read()
sec = text[text.index("## Three examples"):]
sec = sec[:sec.index("\n## ", 5)]
block = sec[sec.index("```") + 3:]
block = block[:block.index("```")]
for line in block.splitlines():
    line = line.split("  #")[0].rstrip()
    if line.startswith("bbperm "):
        print(line)
PY
expect_eq "$(grep -c '' steps.txt)" 6 "commands in the examples ($(cat steps.txt))"
fakebb_start
n=0
while IFS= read -r step; do
  n=$((n + 1))
  cmd=${step//bbperm /\"\$BBPERM\" --base-url \"\$FAKEBB_URL\" }
  RC=0
  eval "$cmd" 2> "err$n.txt" || RC=$?
  expect_eq "$RC" 0 "example command $n ($step): $(cat "err$n.txt")"
done < steps.txt
for f in plan.csv undo.csv proj.csv plan.md prune-plan.csv ann-access.csv ann-plan.csv; do
  [ -s "$f" ] || fail "the examples left no $f"
done
# what they did: the plan applied, its undo file written, ann's grants
# found and planned for revocation, the project exported whole
expect_eq "$(csv_col plan.csv status | grep -c planned)" "$(grep -c . undo.csv | awk '{print $1 - 1}')" "one undo row per planned row"
grep -q '^acme,api,.*557058:ann.*write' ann-access.csv || fail "ann's write on acme/api is not in her access: $(cat ann-access.csv)"
expect_eq "$(csv_col ann-plan.csv status | sort -u | tr '\n' ' ')" "planned " "ann's plan: $(cat ann-plan.csv)"
expect_match "$(csv_col ann-plan.csv message)" "revoke write" "ann's plan revokes her write"
grep -q '^acme,' proj.csv || fail "the project export is empty"

# One Cloud user spelt two ways ({uuid}, account id) is one permission in the
# undo file: its row is the value before the run's first write, whichever
# spelling wrote it, under -j 8; applying the undo restores the start exactly.
. "$(dirname "$0")/lib.sh"
python3 - <<'PY'
import json
users = [{"uuid": "{bbbbbbbb-0000-0000-0000-00000000000%d}" % i, "account_id": "557058:u%d" % i,
          "display_name": "U%d" % i} for i in range(8)]
perms = [{"workspace": "acme", "repository": r, "user": "557058:u%d" % i, "permission": "admin"}
         for r in ("api", "web") for i in range(4)]
json.dump({"credentials": [{"username": "admin@example.com", "password": "s3cret-token"}],
           "workspaces": {"acme": {"repositories": ["api", "web"], "projects": ["PROJ"],
                                   "groups": ["developers"], "users": users}},
           "permissions": perms}, open("fx.json", "w"))
PY
FAKEBB_FIXTURE=$PWD/fx.json
fakebb_start --latency 1 --latency-jitter 5
U() { echo "{bbbbbbbb-0000-0000-0000-00000000000$1}"; }
state | sort > before.txt
# revoke by {uuid} then grant by account id, and the other way round; users
# 4..7 start with nothing: grant by one spelling, revoke by the other
{ echo "workspace,repo,user,privilege"
  for r in api web; do
    echo "acme,$r,$(U 0),none";  echo "acme,$r,557058:u0,write"
    echo "acme,$r,557058:u1,none"; echo "acme,$r,$(U 1),read"
    echo "acme,$r,$(U 2),write"; echo "acme,$r,557058:u2,none"
    echo "acme,$r,$(U 4),read";  echo "acme,$r,557058:u4,none"
    echo "acme,$r,557058:u5,write"; echo "acme,$r,$(U 5),admin"
  done; } > a.csv
run_bb -j 8 --undo-file undo.csv a.csv
expect_eq "$RC" 0 "apply exit"
# one undo row per permission: u0, u1, u2, u4, u5 on api and web
expect_eq "$(($(wc -l < undo.csv) - 1))" 10 "undo rows ($(cat undo.csv))"
python3 - <<'PY' || fail "two undo rows for one permission: $(cat undo.csv)"
import csv, re, sys
seen = set()
for r in csv.DictReader(open("undo.csv")):
    n = re.sub(r"\D", "", r["user"])[-1]        # u<N> and {...0N} name user N
    k = (r["repo"], n)
    if k in seen: sys.exit(1)
    seen.add(k)
PY
run_bb -j 8 undo.csv
expect_eq "$RC" 0 "undo exit"
state | sort > undone.txt
expect_file undone.txt before.txt "the undo restores the start"
exit 0

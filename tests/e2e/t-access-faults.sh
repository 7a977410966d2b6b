# Cloud access review when things go wrong, and on many pages. One
# workspace of 4 repositories and 12 users; the reference is a run where
# everything answers on one page.
# - The workspace-wide effective list fails (504, "effective_timeout"): the
#   failure is named on stderr, each repository's list is read instead, and
#   the output is byte-identical to the reference, exit 0.
# - A repository the caller cannot read (403, "forbidden") is named on
#   stderr and counted; its rows are left out, every other row is written;
#   exit 1.
# - Pages of 2 items (/_config max_pagelen): the effective list, the owners
#   and the permission lists span several pages, bbperm follows every `next`,
#   and the output is byte-identical to the reference.
. "$(dirname "$0")/lib.sh"
has() { grep -qE -- "$1" "$2" || { echo "--- $2:"; cat "$2"; fail "no /$1/ in $2"; }; }
# fixture TIMEOUT FORBIDDEN-JSON-ARRAY: fx.json
fixture() {
  python3 - "$1" "$2" <<'PY'
import json, sys
users = [{"uuid": "{00000000-0000-0000-0000-%012d}" % i, "account_id": "557058:u%02d" % i,
          "display_name": "User %02d" % i, "email": "u%02d@example.com" % i} for i in range(12)]
ids = [u["account_id"] for u in users]
perms = [{"workspace": "acme", "repository": r, "user": ids[i], "permission": p}
         for i, (r, p) in enumerate([("api", "write"), ("api", "read"), ("web", "admin"),
                                     ("docs", "read"), ("tools", "write"), ("tools", "read")])]
perms += [{"workspace": "acme", "repository": "api", "group": "developers", "permission": "read"},
          {"workspace": "acme", "project": "PROJ", "group": "leads", "permission": "write"},
          {"workspace": "acme", "project": "OPS", "user": ids[6], "permission": "create-repo"}]
fx = {
  "credentials": [{"username": "admin@example.com", "password": "s3cret-token"}],
  "workspaces": {"acme": {
    "repositories": [{"slug": "api", "project": "PROJ"}, {"slug": "docs", "project": "PROJ"},
                     {"slug": "tools", "project": "OPS"}, {"slug": "web", "project": "PROJ"}],
    "projects": ["PROJ", "OPS"], "groups": ["developers", "leads"], "users": users,
    "forbidden": json.loads(sys.argv[2])}},
  "permissions": perms,
  "access": {"workspaces": {"acme": {
    "owners": ids[9:12],
    "groups": {"developers": ids[6:9], "leads": ids[7:10]},
    "effective_timeout": sys.argv[1] == "true"}}}}
json.dump(fx, open("fx.json", "w"), indent=1)
PY
}
# serve TIMEOUT FORBIDDEN: (re)start the fake with that fixture
serve() {
  fakebb_stop
  fixture "$1" "$2"
  FAKEBB_FIXTURE=$PWD/fx.json fakebb_start || fail "fakebb"
  API=$FAKEBB_URL/2.0
}
access() { "$BBPERM" access --base-url "$API" --no-progress --retries 0 "$@"; }

# the reference: every list on one page
serve false '[]'
access acme > ref.csv 2> err || fail "access: $(cat err)"
expect_eq "$(wc -l < ref.csv)" 27 "reference lines (26 rows)"
has '^acme,api,PROJ,557058:u00,User 00,write,repository user write$' ref.csv
has '^acme,tools,OPS,557058:u06,User 06,write,project user create-repo$' ref.csv
has '^acme,web,PROJ,557058:u09,User 09,admin,workspace admin; project group leads write$' ref.csv

# (a) the workspace-wide list times out: each repository's list instead
serve true '[]'
access -v acme > t.csv 2> err; rc=$?
expect_eq "$rc" 0 "exit with the workspace-wide list failing ($(grep -v '^bbperm: [<>]' err))"
has "the workspace-wide effective list failed \(each repository's is read instead\) of acme: 504" err
expect_file t.csv ref.csv "the output with each repository's list"
for r in api docs tools web; do
  has "^bbperm: > GET $API/workspaces/acme/permissions/repositories/$r\?pagelen=100$" err
done
expect_eq "$(grep -c "^bbperm: > GET $API/workspaces/acme/permissions/repositories?" err)" 1 \
  "requests of the workspace-wide list (no retries asked)"

# (b) a repository the caller cannot read
serve false '["docs"]'
access acme > f.csv 2> err; rc=$?
expect_eq "$rc" 1 "exit with docs unreadable"
has '^bbperm: access: cannot read acme/docs: 403 ' err
has '4 repositories \(1 could not be read\), [0-9]+ rows' err
grep -v '^acme,docs,' ref.csv > want.csv
expect_file f.csv want.csv "every row but docs'"
# the same when the repository's own effective list is what is read
serve true '["docs"]'
access acme > f2.csv 2> err; rc=$?
expect_eq "$rc" 1 "exit with docs unreadable, each repository's list"
has '^bbperm: access: cannot read acme/docs: 403 ' err
expect_file f2.csv want.csv "every row but docs', each repository's list"

# (d) pages of 2: the effective list (26 entries) spans 13 pages
serve false '[]'
curl -sf -X POST -d '{"max_pagelen": 2}' "$FAKEBB_URL/_config" > /dev/null || fail "max_pagelen"
access -v acme > p.csv 2> err || fail "access on pages of 2: $(grep -v '^bbperm: [<>]' err)"
expect_file p.csv ref.csv "the output on pages of 2"
pages=$(grep -c "^bbperm: > GET $API/workspaces/acme/permissions/repositories?pagelen=100" err)
expect_eq "$pages" 13 "pages of the workspace-wide list"
expect_eq "$(grep -c "^bbperm: > GET $API/workspaces/acme/permissions/repositories?pagelen=100&page=" err)" 12 \
  "pages followed by next"
expect_eq "$(grep -c "^bbperm: > GET $API/workspaces/acme/permissions?pagelen=100&q=" err)" 2 \
  "pages of the owners (3)"
# and each repository's list, on pages too (a project scope)
serve false '[]'
access acme/OPS > o1.csv 2> err || fail "project scope: $(cat err)"
curl -sf -X POST -d '{"max_pagelen": 1}' "$FAKEBB_URL/_config" > /dev/null || fail "max_pagelen"
access -v acme/OPS > o2.csv 2> err || fail "project scope on pages of 1: $(grep -v '^bbperm: [<>]' err)"
expect_file o2.csv o1.csv "the project scope on pages of 1"
expect_eq "$(grep -c "^bbperm: > GET $API/workspaces/acme/permissions/repositories/tools?pagelen=100&page=" err)" \
  "$(( $(grep -c ',tools,' o1.csv) - 1 ))" "next pages of tools' effective list"
exit 0

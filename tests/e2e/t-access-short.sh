# A list that ends before the count it gives is a failed read, never fewer
# permissions (/_config short_list: the list drops its last item but its
# size still counts it). Cloud, one workspace of 4 repositories.
# - The workspace-wide effective list ends early: named on stderr, each
#   repository's list is read instead, the review is byte-identical to the
#   reference, exit 0 (as for a 500).
# - One repository's effective list ends early: that repository is named,
#   its rows are left out, exit 1; under --compare its earlier rows are
#   'unknown' (via 'not read'), never 'removed'.
# - export and plan read through the same pager: a repository's permission
#   list that ends early is named (exit 1), never a shorter export or a
#   plan that grants again what is there.
# - Data Center: a page whose size says more than it holds fails the
#   repository (export), exit 1.
. "$(dirname "$0")/lib.sh"
has() { grep -qE -- "$1" "$2" || { echo "--- $2:"; cat "$2"; fail "no /$1/ in $2"; }; }
python3 - <<'PY'
import json
users = [{"uuid": "{00000000-0000-0000-0000-%012d}" % i, "account_id": "557058:u%02d" % i,
          "display_name": "User %02d" % i, "email": "u%02d@example.com" % i} for i in range(8)]
ids = [u["account_id"] for u in users]
perms = [{"workspace": "acme", "repository": r, "user": ids[i], "permission": p}
         for i, (r, p) in enumerate([("api", "write"), ("api", "read"), ("web", "admin"),
                                     ("docs", "read"), ("tools", "write"), ("web", "read")])]
perms += [{"workspace": "acme", "repository": "api", "group": "developers", "permission": "read"},
          {"workspace": "acme", "project": "PROJ", "group": "leads", "permission": "write"}]
fx = {
  "credentials": [{"username": "admin@example.com", "password": "s3cret-token"}],
  "workspaces": {"acme": {
    "repositories": [{"slug": "api", "project": "PROJ"}, {"slug": "docs", "project": "PROJ"},
                     {"slug": "tools", "project": "OPS"}, {"slug": "web", "project": "PROJ"}],
    "projects": ["PROJ", "OPS"], "groups": ["developers", "leads"], "users": users}},
  "permissions": perms,
  "access": {"workspaces": {"acme": {
    "owners": ids[7:8],
    "groups": {"developers": ids[5:7], "leads": ids[6:8]}}}}}
json.dump(fx, open("fx.json", "w"), indent=1)
PY
FAKEBB_FIXTURE=$PWD/fx.json fakebb_start || fail "fakebb"
API=$FAKEBB_URL/2.0
short() { curl -sf -X POST -d "{\"short_list\": $1}" "$FAKEBB_URL/_config" > /dev/null || fail "short_list $1"; }
access() { "$BBPERM" access --base-url "$API" --no-progress --retries 0 "$@"; }

access acme > ref.csv 2> err || fail "reference: $(cat err)"
expect_eq "$(grep -c ',web,' ref.csv)" 4 "web's rows in the reference"

# (a) the workspace-wide effective list ends one entry early
short '"/workspaces/acme/permissions/repositories"'
access -v acme > a.csv 2> err; rc=$?
expect_eq "$rc" 0 "exit with the workspace-wide list short ($(grep -v '^bbperm: [<>]' err))"
has "the workspace-wide effective list failed \(each repository's is read instead\) of acme: the list ended after [0-9]+ of the [0-9]+ items" err
expect_file a.csv ref.csv "the review read through each repository's list"
for r in api docs tools web; do
  has "^bbperm: > GET $API/workspaces/acme/permissions/repositories/$r\?pagelen=100$" err
done
# on pages of 2 too: the list ends with no next before its size
curl -sf -X POST -d '{"max_pagelen": 2}' "$FAKEBB_URL/_config" > /dev/null || fail "max_pagelen"
access acme > a2.csv 2> err; rc=$?
expect_eq "$rc" 0 "exit with the workspace-wide list short on pages of 2"
expect_file a2.csv ref.csv "the review on pages of 2"
curl -sf -X POST -d '{"max_pagelen": 100}' "$FAKEBB_URL/_config" > /dev/null || fail "max_pagelen"

# (b) one repository's own effective list ends early (a project scope reads each one)
short null
access acme/PROJ > p.csv 2> err || fail "project scope: $(cat err)"
short '"/permissions/repositories/web"'
access acme/PROJ > b.csv 2> err; rc=$?
expect_eq "$rc" 1 "exit with web's list short"
has "^bbperm: access: cannot read acme/web: the list ended after 3 of the 4 items" err
has "3 repositories \(1 could not be read\)" err
grep -v '^acme,web,' p.csv > want.csv
expect_file b.csv want.csv "every row but web's"
# --compare: web's earlier rows are unknown (not read), never removed
access acme/PROJ --compare p.csv > bc.csv 2> err; rc=$?
expect_eq "$rc" 1 "--compare exit with web's list short"
expect_eq "$(grep -c ',removed$' bc.csv)" 0 "rows called removed"
expect_eq "$(grep '^acme,web,' bc.csv | cut -d, -f1-6,8- | sort)" \
  "$(grep '^acme,web,' p.csv | cut -d, -f1-6 | sed 's/$/,unknown/' | sort)" "web's earlier rows, unknown"
expect_eq "$(grep -c '^acme,web,.*,not read,unknown$' bc.csv)" 4 "web's rows say not read"
has "0 added, 0 removed, 0 raised, 0 lowered, 4 unknown" err

# (c) export and plan: a permission list that ends early
short null
"$BBPERM" export --base-url "$API" --no-progress acme > e.csv 2> err || fail "export: $(cat err)"
short '"/repositories/acme/web/permissions-config/users"'
"$BBPERM" export --base-url "$API" --no-progress acme > e2.csv 2> err; rc=$?
expect_eq "$rc" 1 "export exit with web's user list short"
has "^bbperm: export: cannot read acme/web: the list ended after 1 of the 2 items" err
grep -v '^acme,web,' e.csv > want-e.csv
expect_file e2.csv want-e.csv "export: every row but web's"
# plan: the file grants what web has; a short list must not plan it as new
printf 'workspace,repo,group,user,permission\nacme,web,,557058:u05,read\n' > in.csv
"$BBPERM" plan --base-url "$API" --no-progress in.csv > plan.csv 2> err; rc=$?
expect_eq "$rc" 1 "plan exit with web's user list short ($(cat err))"
expect_eq "$(csv_col plan.csv status)" "failed" "plan: the row on web"
short null
"$BBPERM" plan --base-url "$API" --no-progress in.csv > plan2.csv 2> err || fail "plan: $(cat err)"
expect_eq "$(csv_col plan2.csv status),$(csv_col plan2.csv message)" "ok,unchanged" "plan with web's whole list"
state > s.state
grep -q $'repository\tacme\tweb\tuser\t557058:u05\tread' s.state || fail "state: $(cat s.state)"

# (d) Data Center: a page whose size counts an item it does not hold
fakebb_stop
. "$ROOT/tests/e2e/dclib.sh"
dc_fixture <<'JSON'
{
    "projects": [{"key": "PRJ", "name": "Project", "repos": ["api", "web"]}],
    "groups": ["dev-team"],
    "users": [{"name": "jdoe"}, {"name": "ann"}],
    "permissions": [
      {"project": "PRJ", "repo": "api", "user": "jdoe", "permission": "REPO_WRITE"},
      {"project": "PRJ", "repo": "api", "user": "ann", "permission": "REPO_READ"},
      {"project": "PRJ", "repo": "web", "user": "ann", "permission": "REPO_READ"}
    ]
}
JSON
dc_start || fail "fakebb (dc)"
"$BBPERM" export --base-url "$API" --no-progress PRJ > d.csv 2> err || fail "dc export: $(cat err)"
short '"/projects/PRJ/repos/api/permissions/users"'
"$BBPERM" export --base-url "$API" --no-progress PRJ > d2.csv 2> err; rc=$?
expect_eq "$rc" 1 "dc export exit with api's user list short"
has "^bbperm: export: cannot read PRJ/api: the list page says it holds 2 items but has 1" err
grep -v ',api,' d.csv > want-d.csv
expect_file d2.csv want-d.csv "dc export: every row but api's"
exit 0

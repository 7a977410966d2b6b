# Names from the server never reach a spreadsheet as a formula: export's
# name (and Data Center's email) column starts with ' where the name starts
# with =, +, -, @, tab or CR, and the export still plans as all unchanged.
# No name is cut short: a Data Center project key of 600 characters is
# exported whole.
. "$(dirname "$0")/lib.sh"
python3 - <<'PY'
import json
names = ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2", "@SUM(1)", "\tTab", "Plain"]
users = [{"uuid": "{00000000-0000-0000-0000-00000000000%d}" % i, "account_id": "557058:u%d" % i,
          "display_name": n} for i, n in enumerate(names)]
long_key = "K" * 600
fx = {"credentials": [{"username": "admin@example.com", "password": "s3cret-token"}],
      "bearer_tokens": ["dc-token-123"],
      "workspaces": {"acme": {"repositories": ["api"], "projects": ["P"],
                              "groups": [{"slug": "calc", "name": "=cmd|' /C calc'!A0"}],
                              "users": users}},
      "permissions": [{"workspace": "acme", "repository": "api", "user": u["uuid"], "permission": "read"}
                      for u in users] +
                     [{"workspace": "acme", "repository": "api", "group": "calc", "permission": "write"}],
      "datacenter": {"projects": [{"key": "PRJ", "repos": ["web"]}, {"key": long_key, "repos": ["deep"]}],
                     "groups": ["devs"],
                     "users": [{"name": "eve", "displayName": "=1+1", "emailAddress": "-eve@example.com"}],
                     "permissions": [{"project": "PRJ", "repo": "web", "user": "eve", "permission": "REPO_READ"},
                                     {"project": long_key, "repo": "deep", "group": "devs", "permission": "REPO_WRITE"}]}}
json.dump(fx, open("fx.json", "w"))
PY
FAKEBB_FIXTURE=$PWD/fx.json
fakebb_start
run_bb export acme
expect_eq "$RC" 0 "exit code of the Cloud export ($(cat err.txt))"
cp out.csv cloud.csv
expect_eq "$(csv_col cloud.csv name | sort | paste -sd'|')" "'+1|'-2|'=HYPERLINK(\"http://x\",\"y\")|'=cmd|' /C calc'!A0|'@SUM(1)|'�Tab|Plain" "names neutralised (a tab is no raw control character)"
run_bb plan -o plan.csv cloud.csv
expect_eq "$RC" 0 "exit code of the plan of the export ($(cat err.txt))"
expect_eq "$(csv_col plan.csv message | sort | uniq -c | tr -s ' ')" " 7 unchanged" "the export plans as unchanged"

dc() { env -u BITBUCKET_EMAIL -u BITBUCKET_API_TOKEN BITBUCKET_TOKEN=dc-token-123 "$BBPERM" --base-url "$FAKEBB_URL/rest/api/latest" "$@"; }
RC=0
dc export -o dc.csv 2>err.txt || RC=$?
expect_eq "$RC" 0 "exit code of the Data Center export ($(cat err.txt))"
expect_match "$(grep ',eve,' dc.csv)" "^,web,PRJ,,eve,read,'=1\+1,'-eve@example.com$" "Data Center name and email neutralised"
expect_eq "$(grep -c ",deep,$(printf 'K%.0s' $(seq 600)),devs,,write" dc.csv)" 1 "a 600-character project key, whole"
RC=0
dc plan -o dcplan.csv dc.csv 2>err.txt || RC=$?
expect_eq "$RC" 0 "exit code of the Data Center plan of the export ($(cat err.txt))"
expect_eq "$(csv_col dcplan.csv message | sort | uniq -c | tr -s ' ')" " 2 unchanged" "the Data Center export plans as unchanged"

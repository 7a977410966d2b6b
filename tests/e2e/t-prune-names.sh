# Names from the server are checked as the cells of a row are: a group or
# user that --prune finds under a name no row could hold ('..', '/' on Cloud,
# a control character) is not revoked, its target is not pruned (the scope's
# others are), stderr names it escaped, exit 1. Result cells of export,
# access and plan never carry a raw control character.
. "$(dirname "$0")/lib.sh"
python3 - <<'PY'
import json
users = [{"uuid": "{aaaaaaaa-0000-0000-0000-000000000001}", "account_id": "557058:ann",
          "display_name": "Ann\u001b]0;pwned\u0007", "email": "ann@example.com"},
         {"uuid": "{bbbbbbbb-0000-0000-0000-000000000002}", "account_id": "557058:bob",
          "display_name": "Bob"}]
json.dump({"credentials": [{"username": "admin@example.com", "password": "s3cret-token"}],
           "workspaces": {"acme": {"repositories": ["api", "web", "docs"], "projects": ["PROJ"],
                                   "groups": ["developers", "..", "ops\u001b[31mx", "a/b", "old"],
                                   "users": users}},
           "permissions": [
             {"workspace": "acme", "repository": "api", "group": "..", "permission": "admin"},
             {"workspace": "acme", "repository": "api", "group": "old", "permission": "read"},
             {"workspace": "acme", "repository": "web", "group": "ops\u001b[31mx", "permission": "write"},
             {"workspace": "acme", "repository": "web", "user": "557058:bob", "permission": "read"},
             {"workspace": "acme", "repository": "docs", "group": "a/b", "permission": "read"},
             {"workspace": "acme", "repository": "docs", "group": "old", "permission": "read"},
             {"workspace": "acme", "project": "PROJ", "group": "old", "permission": "read"},
             {"workspace": "acme", "project": "PROJ", "user": "557058:ann", "permission": "read"}]},
          open("fx.json", "w"))
PY
FAKEBB_FIXTURE=$PWD/fx.json
fakebb_start --log req.log
printf 'workspace,repo,project,group,user,privilege\nacme,,PROJ,developers,,read\n' > file.csv
state > before.txt
run_bb plan --prune acme --max-prune 100% file.csv
# no raw control character in any cell
no_controls() {
  python3 - "$1" <<'PY' || fail "$2: a raw control character in $1: $(cat -v "$1")"
import csv, sys
with open(sys.argv[1], newline='', encoding='utf-8', errors='surrogateescape') as f:
    for row in csv.reader(f):
        for c in row:
            if any(ord(ch) < 0x20 or ord(ch) == 0x7f for ch in c):
                sys.exit(1)
PY
}
grep -q $'\x1b' err.txt && fail "plan: a raw escape on stderr: $(cat -v err.txt)"
expect_eq "$RC" 1 "plan exit"
expect_eq "$(grep -c 'is not pruned: the server lists a' err.txt)" 3 "plan: stderr lines ($(cat -v err.txt))"
expect_match "$(grep acme/api err.txt)" "group '\.\.', whose name is '\.' or '\.\.'; it is not revoked" "api named"
expect_match "$(grep acme/web err.txt)" "group 'ops\\\\x1b\[31mx'" "web named, escaped"
expect_match "$(grep acme/docs err.txt)" "group 'a/b', whose name contains '/'" "docs named"
# only PROJ is pruned: old on api and docs stays too (their targets are not pruned)
cat > want.csv <<'CSV'
workspace,repo,project,group,user,privilege,status,http_status,attempts,message,previous
acme,,PROJ,developers,,read,planned,,0,grant read,none
acme,,PROJ,old,,none,planned,,0,revoke read: not in the file,read
acme,,PROJ,,557058:ann,none,planned,,0,revoke read: not in the file,read
CSV
expect_file out.csv want.csv "plan rows"
no_controls out.csv plan

run_bb apply --prune acme --max-prune 100% file.csv
expect_eq "$RC" 1 "apply exit"
expect_eq "$(grep -c DELETE req.log)" 2 "DELETEs: PROJ's two only ($(grep DELETE req.log))"
state > after.txt
expect_eq "$(grep -v '^project' after.txt | sort)" "$(grep -v '^project' before.txt | sort)" "api, web, docs untouched"
grep -q '^project.*old' after.txt && fail "PROJ not pruned: $(cat after.txt)"

# export and access write the names, but never a raw control character
curl -sf -X POST "$FAKEBB_URL/_reset" >/dev/null
run_bb export acme
expect_eq "$RC" 0 "export exit ($(cat -v err.txt))"
no_controls out.csv export
grep -q 'ops.*x,,write' out.csv || fail "export: the ops group's row: $(cat -v out.csv)"
run_bb access acme
no_controls out.csv access
grep -q '557058:ann' out.csv || fail "access: ann's row: $(cat -v out.csv)"
exit 0

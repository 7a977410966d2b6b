# The same permission 5 times (different case, different privileges) among
# 2,000 other rows, 16 jobs, slow random answers: never two requests for it
# at once, applied in file order, so the last row decides.
. "$(dirname "$0")/lib.sh"
fakebb_start --latency 1 --latency-jitter 8 --log req.log --seed 3
python3 - > in.csv <<'PY'
print('workspace,repo,group,privilege')
rows = [f'acme,bulk-{i:06d},developers,write' for i in range(2000)]
same = ['acme,API,developers,read', 'ACME,api,Developers,admin', 'acme,api,developers,none',
        'acme,Api,DEVELOPERS,write', 'acme,api,developers,read']
for k, r in enumerate(same):
    rows.insert(100 + k * 7, r)     # close together, so they would overlap
print('\n'.join(rows))
PY
run_bb -j 16 in.csv
expect_eq "$RC" 0 "exit code"
expect_eq "$(state | grep 'repository	acme	api	group	developers')" "repository	acme	api	group	developers	read" "final state = last row"
expect_eq "$(stat_of overlaps)" 0 "overlapping requests for one permission"
# the log shows the five requests in file order, each starting after the previous ended
python3 - req.log <<'PY' || exit 1
import sys
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1])]
mine = sorted([r for r in rows if r[3] == 'repository|acme|api|group|developers'], key=lambda r: int(r[0]))
got = [(r[2], r[5]) for r in mine]
want = [('PUT', 'read'), ('PUT', 'admin'), ('DELETE', '-'), ('PUT', 'write'), ('PUT', 'read')]
if got != want:
    sys.exit(f'FAIL: order {got}, want {want}')
for a, b in zip(mine, mine[1:]):
    if int(b[0]) < int(a[1]):
        sys.exit('FAIL: overlap in the log')
print('order ok:', got)
PY
[ "$(stat_of max_in_flight)" -gt 4 ] || fail "the run was not concurrent enough to prove anything"

# SIGINT while the input is an idle pipe or terminal: the run stops at once
# (exit 130, within 3 s) and leaves the input's file status flags as they
# were: O_NONBLOCK must not be set on a descriptor the shell or another
# program shares. Rows already read are written; a producer that never ends
# does not keep the run going.
. "$(dirname "$0")/lib.sh"
fakebb_start
python3 - "$BBPERM" "$FAKEBB_URL" <<'PY' || fail "see above"
import csv, fcntl, os, pty, signal, subprocess, sys, threading, time

bb, url = sys.argv[1], sys.argv[2]
failed = []

def run(name, read_fd, extra, before=None, feed=None):
    """Start bbperm on read_fd (which the test keeps too), send SIGINT
    after a second, and check the exit, the time and the flags."""
    p = subprocess.Popen([bb, '--base-url', url, '-o', name + '.csv'] + extra + ['-'],
                         stdin=read_fd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if feed:
        feed()
    time.sleep(1.0)
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    try:
        rc = p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        rc = 'still running after 10 s'
    secs = time.monotonic() - t0
    nonblock = bool(fcntl.fcntl(read_fd, fcntl.F_GETFL) & os.O_NONBLOCK)
    err = p.stderr.read().decode(errors='replace')
    print(f'{name}: exit {rc} {secs:.2f} s after SIGINT, O_NONBLOCK {"set" if nonblock else "clear"}')
    if rc != 130:
        failed.append(f'{name}: exit {rc}, expected 130; stderr: {err}')
    if secs >= 3:
        failed.append(f'{name}: took {secs:.2f} s to stop')
    if nonblock:
        failed.append(f'{name}: O_NONBLOCK left set on the shared input')
    return rc

def rows(name):
    try:
        with open(name + '.csv', newline='') as f:
            return list(csv.DictReader(f))
    except FileNotFoundError:
        return None

# 1. a pipe nobody writes to (the writer stays open: `(sleep 30) | bbperm -`)
r, w = os.pipe()
run('empty-pipe', r, [])
os.close(r); os.close(w)

# 2. a header and a row, then silence: the row is done and written
r, w = os.pipe()
os.write(w, b'workspace,repo,group,privilege\nacme,api,developers,read\n')
run('idle-pipe', r, [])
got = rows('idle-pipe')
if not got or [x['status'] for x in got] != ['ok']:
    failed.append(f'idle-pipe: result rows {got}, expected one ok row')
os.close(r); os.close(w)

# 3. a producer that never stops (`yes ROW | bbperm -`): the run ends anyway
r, w = os.pipe()
stop = threading.Event()
def produce():
    try:
        os.write(w, b'workspace,repo,group,privilege\n')
        while not stop.is_set():
            os.write(w, b'acme,api,developers,read\n' * 64)
    except OSError:
        pass
t = threading.Thread(target=produce, daemon=True)
run('endless-pipe', r, ['--dry-run'], feed=t.start)
got = rows('endless-pipe')
if got is None or not got:
    failed.append('endless-pipe: no result rows')
else:
    statuses = {x['status'] for x in got}
    print(f'endless-pipe: {len(got)} rows written: {sorted(statuses)}')
    if 'cancelled' not in statuses:
        failed.append(f'endless-pipe: no row cancelled: {sorted(statuses)}')
stop.set()
os.close(r)
t.join(timeout=5)
os.close(w)

# 4. a terminal nobody types into
master, slave = pty.openpty()
run('terminal', slave, [])
os.close(master); os.close(slave)

for f in failed:
    print('FAIL:', f)
sys.exit(1 if failed else 0)
PY
echo "idle input: ok"

# Runs a command with its stdout on a non-blocking pipe (which a Node parent cannot give: libuv makes a
# child's stdio blocking) and reads nothing until the pipe is full, so that the command's writes meet
# EAGAIN; then reads it all and passes it on. A test of what xtrace does when its reader is slow on a
# pipe another program made non-blocking. Waits on the pipe's fill level and the child's state, not on a clock.
import fcntl, os, subprocess, sys, termios, time, struct

F_GETPIPE_SZ = 1032
r, w = os.pipe()
os.set_blocking(w, False)
child = subprocess.Popen(sys.argv[1:], stdout=w)
os.close(w)
capacity = fcntl.fcntl(r, F_GETPIPE_SZ)


def waiting_for_the_pipe(pid):
    # A full pipe alone was not enough: a child descheduled right after a partial write could find the pipe drained
    # when it wrote again, and finish without ever meeting EAGAIN (seen once in a full CI run on a loaded machine).
    # The child's main thread asleep in epoll means it met EAGAIN and its stream waits for the pipe to drain. Where the
    # kernel does not say what a thread waits in (wchan unreadable, or "0"), the full pipe has to do.
    try:
        with open(f'/proc/{pid}/wchan') as file:
            wchan = file.read().strip()
    except OSError:
        return True
    return wchan in ('', '0') or 'ep_poll' in wchan or 'epoll' in wchan


# Full: no free page left in the pipe. A write that does not fit in what is left of the last page, partly filled by
# the write before, takes new pages, so a full pipe can hold up to a page less than its capacity (a show that wrote
# 48 KB chunks left the pipe at ~61 KB, full, and this waited for 64 forever).
nearly_full = capacity - os.sysconf('SC_PAGE_SIZE')
# Never hang a test run: with no change in the pipe for this long, say so and fail.
STALL_SECONDS = 30
stalled_since, last_queued = time.monotonic(), -1
while child.poll() is None:
    queued = struct.unpack('i', fcntl.ioctl(r, termios.FIONREAD, b'\0\0\0\0'))[0]
    if queued > nearly_full and waiting_for_the_pipe(child.pid):
        break
    if queued != last_queued:
        stalled_since, last_queued = time.monotonic(), queued
    elif time.monotonic() - stalled_since > STALL_SECONDS:
        sys.stderr.write(f'nonblocking-pipe.py: the pipe stayed at {queued} of {capacity} bytes for {STALL_SECONDS} s without the child waiting on it\n')
        child.kill()
        sys.exit(3)
    time.sleep(0.005)
out = sys.stdout.buffer
while True:
    chunk = os.read(r, 1 << 16)
    if not chunk:
        break
    out.write(chunk)
out.flush()
sys.exit(child.wait())

# Runs a command with its stdout on a non-blocking pipe (which a Node parent cannot give: libuv makes a
# child's stdio blocking) and reads nothing until the pipe is full, so that the command's writes meet
# EAGAIN; then reads it all and passes it on. A test of what xtrace does when its reader is slow on a
# pipe another program made non-blocking. Waits on the pipe's fill level, not on a clock.
import fcntl, os, subprocess, sys, termios, time, struct

F_GETPIPE_SZ = 1032
r, w = os.pipe()
os.set_blocking(w, False)
child = subprocess.Popen(sys.argv[1:], stdout=w)
os.close(w)
capacity = fcntl.fcntl(r, F_GETPIPE_SZ)
while child.poll() is None:
    queued = struct.unpack('i', fcntl.ioctl(r, termios.FIONREAD, b'\0\0\0\0'))[0]
    if queued >= capacity:
        break
    time.sleep(0.005)
out = sys.stdout.buffer
while True:
    chunk = os.read(r, 1 << 16)
    if not chunk:
        break
    out.write(chunk)
out.flush()
sys.exit(child.wait())

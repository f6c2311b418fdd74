"""endpoint.py — the lab's TCP client and server: plain Linux sockets, so every packet
on the wire comes from the real kernel TCP stack. Run inside a namespace by lab.py:

    endpoint.py server --bind ADDR --port P --mode MODE [options]
    endpoint.py client --connect ADDR --port P --mode MODE [options]

Each program prints JSON lines on stdout ("ev": listening / connected / recv / done /
error ...) that the harness reads; every socket error is reported, never raised, so an
attack that kills a connection ends the program cleanly. Data is deterministic (gen()),
so the harness can rebuild every byte the applications wrote.
"""
import argparse
import hashlib
import json
import random
import socket
import struct
import sys
import threading
import time

_out_lock = threading.Lock()


def emit(**kw):
    kw.setdefault("t", round(time.time(), 6))
    with _out_lock:
        sys.stdout.write(json.dumps(kw, sort_keys=True) + "\n")
        sys.stdout.flush()


def gen(seed, idx, direction, n):
    """The deterministic bytes of one direction of one bulk connection."""
    return random.Random("%s/%d/%s" % (seed, idx, direction)).randbytes(n)


def bulk_sizes(seed, count, min_bytes, max_bytes):
    r = random.Random("%s/sizes" % seed)
    return [(r.randint(min_bytes, max_bytes), r.randint(min_bytes, max_bytes)) for _ in range(count)]


BULK_HDR = struct.Struct("!IQ")   # connection index, bytes the server must send back


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def sockname(s):
    a = s.getsockname()
    return [a[0], a[1]]


def peername(s):
    a = s.getpeername()
    return [a[0], a[1]]


def err_text(e):
    return "%s: %s" % (type(e).__name__, e)


def recv_exact(s, n, timeout):
    s.settimeout(timeout)
    buf = b""
    while len(buf) < n:
        d = s.recv(n - len(buf))
        if not d:
            break
        buf += d
    return buf


def read_to_eof(s, timeout, h=None):
    s.settimeout(timeout)
    total = 0
    while True:
        d = s.recv(65536)
        if not d:
            return total
        total += len(d)
        if h is not None:
            h.update(d)


def preview(b, n=48):
    return b[:n].decode("latin-1")


def wait_until(t):
    d = t - time.time()
    if d > 0:
        time.sleep(d)


# --------------------------------------------------------------------------- server

def make_listener(args):
    s = socket.socket(family_of(args.bind), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if args.rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, args.rcvbuf)  # inherited by accepted sockets
    s.bind((args.bind, args.port))
    s.listen(args.backlog)
    s.settimeout(args.accept_timeout)
    emit(ev="listening", addr=[args.bind, args.port])
    return s


def accept(ls):
    c, _ = ls.accept()
    emit(ev="accepted", local=sockname(c), remote=peername(c))
    return c


def srv_stream(args, ls):
    """Send `chunk` bytes every `interval` s for `duration` s, then close."""
    c = accept(ls)
    sent, n, end = 0, 0, time.time() + args.duration
    try:
        while time.time() < end:
            c.sendall(("data %06d " % n).encode().ljust(args.chunk - 1, b"=") + b"\n")
            sent += args.chunk
            n += 1
            time.sleep(args.interval)
        c.shutdown(socket.SHUT_WR)
        read_to_eof(c, 3)
        emit(ev="done", sent=sent)
    except OSError as e:
        emit(ev="error", error=err_text(e), sent=sent)
    c.close()


def srv_echo(args, ls):
    """Answer each request line, after `delay` s: fixed-length responses with --fixed,
    else "OK <line>". Logs every line the application received."""
    for _ in range(args.conns):
        c = accept(ls)
        n, buf = 0, b""
        try:
            c.settimeout(args.idle_timeout)
            while True:
                d = c.recv(65536)
                if not d:
                    emit(ev="eof")
                    break
                buf += d
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    emit(ev="recv", line=preview(line, 80))
                    if args.delay:
                        time.sleep(args.delay)
                    if args.fixed:
                        resp = (b"REAL-RESPONSE-%04d " % n).ljust(args.fixed - 1, b".") + b"\n"
                    else:
                        resp = b"OK " + line + b"\n"
                    c.sendall(resp)
                    n += 1
            if args.hold:
                time.sleep(args.hold)
            emit(ev="done", answered=n)
        except OSError as e:
            emit(ev="error", error=err_text(e), answered=n)
        c.close()


def srv_bulk_conn(args, c):
    local, remote = sockname(c), peername(c)
    try:
        hdr = recv_exact(c, BULK_HDR.size, args.idle_timeout)
        if len(hdr) < BULK_HDR.size:
            emit(ev="error", error="short header")
            return
        idx, back = BULK_HDR.unpack(hdr)
        data = gen(args.seed, idx, "s2c", back)
        hin = hashlib.sha256(hdr)

        def sender():
            try:
                c.sendall(data)
            except OSError as e:
                emit(ev="error", error=err_text(e), idx=idx)

        th = threading.Thread(target=sender)
        th.start()
        got = BULK_HDR.size + read_to_eof(c, args.idle_timeout, hin)
        th.join()
        emit(ev="conn", idx=idx, local=local, remote=remote, recv_len=got,
             recv_sha=hin.hexdigest(), sent_len=back, sent_sha=hashlib.sha256(data).hexdigest())
    except OSError as e:
        emit(ev="error", error=err_text(e))
    finally:
        c.close()


def srv_bulk(args, ls):
    ths = []
    for _ in range(args.conns):
        c, _ = ls.accept()
        th = threading.Thread(target=srv_bulk_conn, args=(args, c))
        th.start()
        ths.append(th)
    for th in ths:
        th.join()
    emit(ev="done")


def srv_noread(args, ls):
    """Accept, do not read for `pause` s (the window closes), then read everything."""
    c = accept(ls)
    time.sleep(args.pause)
    h = hashlib.sha256()
    try:
        n = read_to_eof(c, args.idle_timeout, h)
        emit(ev="done", recv_len=n, recv_sha=h.hexdigest())
    except OSError as e:
        emit(ev="error", error=err_text(e))
    c.close()


def srv_simclose(args, ls):
    c = accept(ls)
    try:
        line = recv_exact(c, 6, args.idle_timeout)
        c.sendall(b"OK " + line)
        wait_until(args.at)
        c.shutdown(socket.SHUT_WR)
        emit(ev="shutdown")
        read_to_eof(c, args.idle_timeout)
        emit(ev="done")
    except OSError as e:
        emit(ev="error", error=err_text(e))
    c.close()


def srv_closefirst(args, ls):
    """For 4-tuple reuse: each connection gets one answer and the server closes first
    (so the TIME_WAIT is on the server, which accepts a newer SYN on the same tuple)."""
    for _ in range(args.conns):
        c = accept(ls)
        try:
            c.settimeout(args.idle_timeout)
            line = c.recv(1024)
            c.sendall(b"OK " + line)
            c.shutdown(socket.SHUT_WR)
            read_to_eof(c, args.idle_timeout)
        except OSError as e:
            emit(ev="error", error=err_text(e))
        c.close()
    emit(ev="done")


SERVER_MODES = {"stream": srv_stream, "echo": srv_echo, "bulk": srv_bulk, "noread": srv_noread,
                "simclose": srv_simclose, "closefirst": srv_closefirst}


# --------------------------------------------------------------------------- client

def connect(args, bind_port=0, emit_it=True):
    s = socket.socket(family_of(args.connect), socket.SOCK_STREAM)
    if bind_port:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((args.source, bind_port))
    s.settimeout(args.connect_timeout)
    s.connect((args.connect, args.port))
    if emit_it:
        emit(ev="connected", local=sockname(s), remote=peername(s))
    return s


def reader_thread(s, log_lines, timeout):
    """Collect what the server sends, line by line, until EOF or error."""
    def run():
        buf = b""
        s.settimeout(timeout)
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    emit(ev="eof")
                    return
                buf += d
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    if log_lines:
                        emit(ev="recv", line=preview(line, 80))
        except OSError as e:
            emit(ev="recv_error", error=err_text(e))
    th = threading.Thread(target=run, daemon=True)
    th.start()
    return th


def cli_read(args):
    s = connect(args)
    try:
        n = read_to_eof(s, args.idle_timeout)
        emit(ev="done", recv_len=n)
    except OSError as e:
        emit(ev="error", error=err_text(e))
    s.close()


def cli_commands(args):
    """Send "cmd NNN" every `interval` s, `count` times (pausing `pause` s after
    `pause_after` commands); replies are read by a thread."""
    s = connect(args)
    th = reader_thread(s, True, args.idle_timeout)
    sent = 0
    try:
        if args.wait:
            time.sleep(args.wait)
        for i in range(args.count):
            if args.pause_after and i == args.pause_after:
                time.sleep(args.pause)
            s.sendall(b"cmd %03d\n" % i)
            sent += 1
            time.sleep(args.interval)
        time.sleep(args.tail)
        s.shutdown(socket.SHUT_WR)
        emit(ev="shutdown", sent=sent)
    except OSError as e:
        emit(ev="error", error=err_text(e), sent=sent)
    th.join(args.idle_timeout)
    s.close()
    emit(ev="done", sent=sent)


def cli_request(args):
    """Send `count` request lines and read exactly `fixed` bytes of answer to each."""
    s = connect(args)
    try:
        if args.wait:
            time.sleep(args.wait)
        for i in range(args.count):
            s.sendall(b"GET /item/%d\n" % i)
            resp = recv_exact(s, args.fixed, args.idle_timeout)
            emit(ev="response", n=i, data=preview(resp, 80))
            time.sleep(args.interval)
        s.shutdown(socket.SHUT_WR)
        read_to_eof(s, args.idle_timeout)
        emit(ev="done")
    except OSError as e:
        emit(ev="error", error=err_text(e))
    s.close()


def cli_bulk_conn(args, idx, c2s, s2c, results):
    try:
        s = connect(args, emit_it=False)
        local, remote = sockname(s), peername(s)   # unavailable once both sides closed
        hdr = BULK_HDR.pack(idx, s2c)
        data = gen(args.seed, idx, "c2s", c2s)
        hin = hashlib.sha256()
        got = [0]

        def receiver():
            try:
                got[0] = read_to_eof(s, args.idle_timeout, hin)
            except OSError as e:
                emit(ev="error", error=err_text(e), idx=idx)

        th = threading.Thread(target=receiver)
        th.start()
        s.sendall(hdr + data)
        s.shutdown(socket.SHUT_WR)
        th.join()
        rec = dict(ev="conn", idx=idx, local=local, remote=remote,
                   sent_len=len(hdr) + c2s, sent_sha=hashlib.sha256(hdr + data).hexdigest(),
                   recv_len=got[0], recv_sha=hin.hexdigest(),
                   recv_ok=hin.hexdigest() == hashlib.sha256(gen(args.seed, idx, "s2c", s2c)).hexdigest())
        s.close()
        emit(**rec)
        results.append(rec)
    except OSError as e:
        emit(ev="error", error=err_text(e), idx=idx)


def cli_bulk(args):
    sizes = bulk_sizes(args.seed, args.count, args.min_bytes, args.max_bytes)
    results = []
    pending = list(enumerate(sizes))
    while pending:
        batch, pending = pending[:args.parallel], pending[args.parallel:]
        ths = [threading.Thread(target=cli_bulk_conn, args=(args, i, a, b, results)) for i, (a, b) in batch]
        for th in ths:
            th.start()
        for th in ths:
            th.join()
    emit(ev="done", conns=len(results), all_ok=all(r["recv_ok"] for r in results) and len(results) == len(sizes))


def cli_keepalive(args):
    s = connect(args)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 5)
    try:
        s.sendall(b"hello\n")
        emit(ev="response", data=preview(recv_exact(s, 9, args.idle_timeout)))
        time.sleep(args.idle)
        s.sendall(b"bye\n")
        emit(ev="response", data=preview(recv_exact(s, 7, args.idle_timeout)))
        s.shutdown(socket.SHUT_WR)
        read_to_eof(s, args.idle_timeout)
        emit(ev="done")
    except OSError as e:
        emit(ev="error", error=err_text(e))
    s.close()


def cli_send(args):
    """Send `total` bytes (blocks while the server's window is closed), then close."""
    s = connect(args)
    data = gen(args.seed, 0, "c2s", args.total)
    try:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        read_to_eof(s, args.idle_timeout)
        emit(ev="done", sent_len=len(data), sent_sha=hashlib.sha256(data).hexdigest())
    except OSError as e:
        emit(ev="error", error=err_text(e))
    s.close()


def cli_simclose(args):
    s = connect(args)
    try:
        s.sendall(b"close\n")
        recv_exact(s, 9, args.idle_timeout)
        wait_until(args.at)
        s.shutdown(socket.SHUT_WR)
        emit(ev="shutdown")
        read_to_eof(s, args.idle_timeout)
        emit(ev="done")
    except OSError as e:
        emit(ev="error", error=err_text(e))
    s.close()


def cli_abort(args):
    """Read part of the server's stream, then close with SO_LINGER 0: an RST."""
    s = connect(args)
    try:
        got = recv_exact(s, args.read_bytes, args.idle_timeout)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        emit(ev="abort", recv_len=len(got))
    except OSError as e:
        emit(ev="error", error=err_text(e))
    s.close()
    emit(ev="done")


def cli_reuse(args):
    """Reconnect `count` times from the same source port (the same 4-tuple)."""
    for i in range(args.count):
        try:
            s = connect(args, bind_port=args.source_port)
            s.sendall(b"req %d\n" % i)
            s.settimeout(args.idle_timeout)
            read_to_eof(s, args.idle_timeout)
            s.close()
        except OSError as e:
            emit(ev="error", error=err_text(e), n=i)
        time.sleep(args.interval)
    emit(ev="done")


CLIENT_MODES = {"read": cli_read, "commands": cli_commands, "request": cli_request, "bulk": cli_bulk,
                "keepalive": cli_keepalive, "send": cli_send, "simclose": cli_simclose,
                "abort": cli_abort, "reuse": cli_reuse}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("role", choices=["server", "client"])
    p.add_argument("--mode", required=True)
    p.add_argument("--bind", help="server: address to listen on")
    p.add_argument("--connect", help="client: server address")
    p.add_argument("--source", help="client: source address (with --source-port)")
    p.add_argument("--source-port", type=int, default=0)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--rcvbuf", type=int, default=0)
    p.add_argument("--backlog", type=int, default=16)
    p.add_argument("--conns", type=int, default=1)
    p.add_argument("--count", type=int, default=10)
    p.add_argument("--parallel", type=int, default=4)
    p.add_argument("--interval", type=float, default=0.1)
    p.add_argument("--duration", type=float, default=2.0)
    p.add_argument("--chunk", type=int, default=200)
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--fixed", type=int, default=0)
    p.add_argument("--hold", type=float, default=0.0)
    p.add_argument("--wait", type=float, default=0.0)
    p.add_argument("--tail", type=float, default=0.3)
    p.add_argument("--pause", type=float, default=0.0)
    p.add_argument("--pause-after", type=int, default=0)
    p.add_argument("--idle", type=float, default=3.0)
    p.add_argument("--total", type=int, default=1 << 20)
    p.add_argument("--read-bytes", type=int, default=4096)
    p.add_argument("--at", type=float, default=0.0, help="wall-clock time (epoch s) to shut down")
    p.add_argument("--seed", default="seqwatch")
    p.add_argument("--min-bytes", type=int, default=1000)
    p.add_argument("--max-bytes", type=int, default=100000)
    p.add_argument("--accept-timeout", type=float, default=30.0)
    p.add_argument("--connect-timeout", type=float, default=10.0)
    p.add_argument("--idle-timeout", type=float, default=5.0)
    args = p.parse_args()
    try:
        if args.role == "server":
            ls = make_listener(args)
            SERVER_MODES[args.mode](args, ls)
            ls.close()
        else:
            CLIENT_MODES[args.mode](args)
    except OSError as e:
        emit(ev="fatal", error=err_text(e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""lab.py — seqwatch's end-to-end lab: real Linux TCP stacks in network namespaces, an
attacker that sniffs the link and injects, and a sensor that watches the bridge twice
(tcpdump to a file later read by `seqwatch run -r`, and `seqwatch run -i` live, with
its alerts in SQLite). Prints the accuracy report.

    lab.py report [--only REGEX] [--family 4|6] [--keep DIR] [--program PATH] [-v]
    lab.py list

Exit status: 0 every check passed, 1 some failed, 77 the lab cannot run here (not
root, no network namespaces, a tool missing), 2 usage.

Invariants: every namespace it creates is named swe2e-<pid>-<role>, uses only the
10.199.0.0/24 and fd99::/64 lab addresses (10.199.1.0/24 and fd99:1::/64 behind the
router of the routed topology), and is deleted on exit (normal, error or
signal); namespaces left by a run that was killed (-9) are removed by the next run,
which recognises them by the dead pid in their name. Only processes it started are
ever signalled, by their pid.
"""
import argparse
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys

sys.dont_write_bytecode = True  # keep the source tree clean when run from it
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pcapio  # noqa: E402

ADDR = {4: {"cli": "10.199.0.1", "srv": "10.199.0.2", "att": "10.199.0.3", "plen": 24},
        6: {"cli": "fd99::1", "srv": "fd99::2", "att": "fd99::3", "plen": 64}}
ROLES = ("cli", "srv", "att")
# The routed topology: the server sits on a subnet of its own behind the router
# namespace "rtr" (rtr's eth0 on the bridge, its eth1 towards the server), so every
# packet between the hub and the server crosses one router hop.
RADDR = {4: {"cli": "10.199.0.1", "srv": "10.199.1.2", "att": "10.199.0.3", "rtr": "10.199.0.254",
             "rtr_srv": "10.199.1.1", "srv_net": "10.199.1.0/24", "plen": 24},
         6: {"cli": "fd99::1", "srv": "fd99:1::2", "att": "fd99::3", "rtr": "fd99::fe",
             "rtr_srv": "fd99:1::1", "srv_net": "fd99:1::/64", "plen": 64}}
PY = sys.executable
PREFIX_RE = re.compile(r"^swe2e-(\d+)-")
CURRENT_LABS = []   # labs that are up, torn down on any exit


class LabError(Exception):
    pass


def sh(cmd, check=True, input=None, timeout=60):
    """Run a command (list) and return its stdout; raise LabError on failure."""
    r = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise LabError("%s: exit %d: %s" % (" ".join(cmd), r.returncode, (r.stderr or r.stdout).strip()))
    return r.stdout


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def remove_stale_namespaces():
    """Delete namespaces of earlier runs whose process is gone (killed by a timeout)."""
    for line in sh(["ip", "netns", "list"], check=False).splitlines():
        name = line.split()[0] if line.split() else ""
        m = PREFIX_RE.match(name)
        if not m or pid_alive(int(m.group(1))):
            continue
        for p in sh(["ip", "netns", "pids", name], check=False).split():
            try:
                os.kill(int(p), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        sh(["ip", "netns", "del", name], check=False)


# ---------------------------------------------------------------------------- processes

class Proc:
    """A process started in a namespace; its stdout JSON lines are collected."""

    def __init__(self, lab, role, cmd, logdir, name):
        self.name = name
        self.events = []
        self.cond = threading.Condition()
        self.stderr_path = os.path.join(logdir, name + ".stderr")
        self.stdout_path = os.path.join(logdir, name + ".stdout")
        self.errf = open(self.stderr_path, "w")
        self.outf = open(self.stdout_path, "w")
        self.p = subprocess.Popen(["ip", "netns", "exec", lab.ns(role)] + cmd, stdout=subprocess.PIPE,
                                  stderr=self.errf, stdin=subprocess.DEVNULL, text=True,
                                  start_new_session=True)
        lab.procs.append(self)
        self.th = threading.Thread(target=self._read, daemon=True)
        self.th.start()

    def _read(self):
        for line in self.p.stdout:
            self.outf.write(line)
            self.outf.flush()
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            with self.cond:
                self.events.append(ev)
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_event(self, name, timeout):
        end = time.time() + timeout
        with self.cond:
            while True:
                for ev in self.events:
                    if ev.get("ev") == name:
                        return ev
                left = end - time.time()
                if left <= 0 or (self.p.poll() is not None and not self.th.is_alive()):
                    return None
                self.cond.wait(min(left, 0.2))

    def find(self, name):
        with self.cond:
            return [e for e in self.events if e.get("ev") == name]

    def wait(self, timeout):
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None
        self.th.join(2)
        return self.p.returncode

    def kill(self):
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGTERM)
                self.p.wait(3)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.p.wait(3)
        self.th.join(2)

    def stderr_tail(self, n=5):
        try:
            with open(self.stderr_path) as f:
                return " | ".join(f.read().strip().splitlines()[-n:])
        except OSError:
            return ""


# ---------------------------------------------------------------------------- the lab

class Lab:
    """Four namespaces: client, server, attacker hang on a bridge that lives in the
    sensor namespace; the bridge floods every frame to every port (no learning, ageing
    0), so the attacker sniffs the link and the sensor captures on br0. Routed: a
    fifth, the router rtr, hangs on the bridge in the server's place and the server
    sits behind it on a link of its own (one hop from the hub)."""

    def __init__(self, routed=False):
        self.prefix = "swe2e-%d" % os.getpid()
        self.created = []
        self.procs = []
        self.mac = {}
        self.routed = routed
        # the roles with a port on the bridge, and their addresses
        self.hub = ("cli", "rtr", "att") if routed else ROLES
        self.addr = RADDR if routed else ADDR

    def ns(self, role):
        return "%s-%s" % (self.prefix, role)

    def nsx(self, role, *cmd, **kw):
        return sh(["ip", "netns", "exec", self.ns(role)] + list(cmd), **kw)

    def up(self):
        for role in ROLES + ("sen",) + (("rtr",) if self.routed else ()):
            sh(["ip", "netns", "add", self.ns(role)])
            self.created.append(self.ns(role))
        sen = self.ns("sen")
        self.nsx("sen", "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
        sh(["ip", "-n", sen, "link", "add", "br0", "type", "bridge", "ageing_time", "0", "stp_state", "0",
            "forward_delay", "0", "mcast_snooping", "0"])
        # bridged frames must not go through the sensor's own IP firewall hooks
        self.nsx("sen", "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=0",
                 "net.bridge.bridge-nf-call-ip6tables=0", "net.bridge.bridge-nf-call-arptables=0", check=False)
        for role in self.hub:
            sh(["ip", "-n", sen, "link", "add", "v" + role, "type", "veth", "peer", "name", "eth0",
                "netns", self.ns(role)])
            sh(["ip", "-n", sen, "link", "set", "v" + role, "master", "br0", "up"])
            sh(["bridge", "-n", sen, "link", "set", "dev", "v" + role, "learning", "off"])
            self.offloads_off("sen", "v" + role)
            self.nsx(role, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
                     "net.ipv6.conf.eth0.accept_dad=0", "net.ipv6.conf.eth0.accept_ra=0",
                     "net.ipv6.conf.eth0.router_solicitations=0", check=False)
            self.if_up(role, "eth0", [self.addr[fam][role] for fam in (4, 6)])
            self.mac[role] = self.link_mac(role, "eth0")
        sh(["ip", "-n", sen, "link", "set", "br0", "up"])
        self.offloads_off("sen", "br0")
        # static neighbours: no ARP/ND on the link, the same frames every run
        for role in self.hub:
            for other in self.hub:
                if other != role:
                    for fam in (4, 6):
                        self.neigh(role, "eth0", self.addr[fam][other], self.mac[other])
        if self.routed:
            self.up_router()

    def if_up(self, role, dev, addrs):
        self.nsx(role, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
                 "net.ipv6.conf.%s.accept_dad=0" % dev, "net.ipv6.conf.%s.accept_ra=0" % dev,
                 "net.ipv6.conf.%s.router_solicitations=0" % dev, check=False)
        for a in addrs:
            sh(["ip", "-n", self.ns(role), "addr", "add", "%s/%d" % (a, 64 if ":" in a else 24),
                "dev", dev] + (["nodad"] if ":" in a else []))
        sh(["ip", "-n", self.ns(role), "link", "set", dev, "up"])
        sh(["ip", "-n", self.ns(role), "link", "set", "lo", "up"])
        self.offloads_off(role, dev)

    def link_mac(self, role, dev):
        return json.loads(sh(["ip", "-n", self.ns(role), "-j", "link", "show", dev]))[0]["address"]

    def neigh(self, role, dev, addr, mac):
        sh(["ip", "-n", self.ns(role), "neigh", "replace", addr, "lladdr", mac, "dev", dev, "nud", "permanent"])

    def up_router(self):
        """The server behind the router: a veth pair rtr:eth1 <-> srv:eth0 (not on the
        bridge), forwarding on in rtr, routes both ways, static neighbours."""
        sh(["ip", "-n", self.ns("rtr"), "link", "add", "eth1", "type", "veth", "peer", "name", "eth0",
            "netns", self.ns("srv")])
        self.nsx("rtr", "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1",
                 "net.ipv4.conf.all.send_redirects=0", "net.ipv4.conf.eth0.send_redirects=0")
        self.if_up("rtr", "eth1", [self.addr[fam]["rtr_srv"] for fam in (4, 6)])
        self.if_up("srv", "eth0", [self.addr[fam]["srv"] for fam in (4, 6)])
        self.mac["srv"] = self.link_mac("srv", "eth0")
        rtr_srv_mac = self.link_mac("rtr", "eth1")
        for fam in (4, 6):
            a = self.addr[fam]
            self.neigh("rtr", "eth1", a["srv"], self.mac["srv"])
            self.neigh("srv", "eth0", a["rtr_srv"], rtr_srv_mac)
            sh(["ip", "-n", self.ns("srv"), "-%d" % fam, "route", "add", "default", "via", a["rtr_srv"]])
            for role in ("cli", "att"):
                sh(["ip", "-n", self.ns(role), "-%d" % fam, "route", "add", a["srv_net"], "via", a["rtr"]])

    def offloads_off(self, role, dev):
        # wire-sized frames with real checksums: no TSO/GSO/GRO, no checksum offload
        self.nsx(role, "ethtool", "-K", dev, "tso", "off", "gso", "off", "gro", "off", "tx", "off",
                 "rx", "off", "sg", "off", check=False)

    def nft(self, role, text):
        sh(["ip", "netns", "exec", self.ns(role), "nft", "-f", "-"], input=text)

    def nft_del(self, role, family, table):
        self.nsx(role, "nft", "delete", "table", family, table, check=False)

    def quiesce(self, keep=None):
        """Silence the endpoints: their interfaces down. A capture on an endpoint's own
        interface (keep) needs that interface up: its output is dropped instead (nft
        output hook, before the packet taps), and its peers are down already."""
        for role in ROLES + (("rtr",) if self.routed else ()):
            if role == keep:
                self.nft(role, "table inet e2e_quiet {\n chain out {\n  type filter hook output priority 0; "
                         "policy drop;\n }\n}\n")
            else:
                sh(["ip", "-n", self.ns(role), "link", "set", "eth0", "down"], check=False)

    def kill_all(self):
        for p in self.procs:
            p.kill()
        self.procs = []

    def down(self):
        self.kill_all()
        for name in reversed(self.created):
            for p in sh(["ip", "netns", "pids", name], check=False).split():
                try:
                    os.kill(int(p), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            sh(["ip", "netns", "del", name], check=False)
        self.created = []


# ---------------------------------------------------------------------------- sensor

def packet_socket_ready(pid):
    """True when process pid holds a running packet socket (its capture is open)."""
    try:
        inodes = set()
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
        with open("/proc/%d/net/packet" % pid) as f:
            for line in f.read().splitlines()[1:]:
                cols = line.split()
                if len(cols) >= 9 and cols[-1] in inodes and cols[5] == "1":
                    return True
    except OSError:
        return False
    return False


class Sensor:
    """tcpdump -w and `seqwatch run -i` on the bridge at the same time."""

    def __init__(self, lab, program, d, where="sen", iface="br0"):
        self.lab, self.program, self.d = lab, program, d
        self.where, self.iface = where, iface
        self.pcap = os.path.join(d, "capture.pcap")
        # `seqwatch run -i` drops root to 'nobody' once the capture and outputs are open;
        # it still writes the database's WAL files and its summary afterwards, so its
        # directory must be reachable by 'nobody' wherever the work dir is (mkdtemp
        # and /root are 0700). Its files are moved to DIR/live at the end.
        self.livedir = tempfile.mkdtemp(prefix="seqwatch-e2e-live-")
        os.chmod(self.livedir, 0o777)
        self.final_livedir = os.path.join(d, "live")
        self.td = self.sw = None
        self.tcpdump_drops = None

    def start(self):
        self.td = Proc(self.lab, self.where, ["tcpdump", "-i", self.iface, "-w", self.pcap, "-U", "-n", "-s", "0",
                                         "--immediate-mode", "-B", "32768", "-Z", "root"], self.d, "tcpdump")
        self.sw = Proc(self.lab, self.where, [self.program, "run", "-i", self.iface, "--json",
                                         os.path.join(self.livedir, "alerts.jsonl"), "--db",
                                         os.path.join(self.livedir, "alerts.db"), "--summary-json",
                                         os.path.join(self.livedir, "summary.json"), "--sensor", "e2e",
                                         "--buffer-size", "32M", "--no-progress"], self.d, "seqwatch-live")
        end = time.time() + 10
        ready = {}
        while time.time() < end:
            for p in (self.td, self.sw):
                ready[p.name] = packet_socket_ready(p.p.pid)
                if p.p.poll() is not None:
                    raise LabError("%s exited at start (%s)" % (p.name, p.stderr_tail()))
            if all(ready.values()):
                time.sleep(0.2)
                return
            time.sleep(0.05)
        raise LabError("capture not ready after 10 s: %s" % ready)

    def collect(self):
        """Move the live sensor's files into the scenario's directory."""
        os.makedirs(self.final_livedir, exist_ok=True)
        if os.path.isdir(self.livedir):
            for f in os.listdir(self.livedir):
                shutil.move(os.path.join(self.livedir, f), os.path.join(self.final_livedir, f))
            os.rmdir(self.livedir)

    def stop(self):
        # Silence the link first: kernel sockets outlive the killed endpoints and keep
        # retransmitting; with the endpoints' interfaces down, no frame can reach one
        # capture and not the other while they stop.
        self.lab.quiesce(keep=None if self.where == "sen" else self.where)
        time.sleep(0.5)
        for p in (self.td, self.sw):
            if p and p.p.poll() is None:
                os.kill(p.p.pid, signal.SIGINT)
        rc_sw = self.sw.wait(30) if self.sw else None
        self.td.wait(10)
        self.collect()
        try:
            m = re.search(r"(\d+) packets dropped by kernel", open(self.td.stderr_path).read())
            self.tcpdump_drops = int(m.group(1)) if m else None
        except OSError:
            pass
        return rc_sw


# ---------------------------------------------------------------------------- alerts

def conn_key(a_ip, a_port, b_ip, b_port):
    a = (pcapio.norm_ip(a_ip), int(a_port))
    b = (pcapio.norm_ip(b_ip), int(b_port))
    return (a, b) if a <= b else (b, a)


def fmt_conn(k):
    def ep(e):
        return ("[%s]:%d" if ":" in e[0] else "%s:%d") % e
    return "%s <-> %s" % (ep(k[0]), ep(k[1])) if k else "-"


def alert_of(doc):
    """(event, connection) of an alert document, or None for non-alerts."""
    if doc.get("event_type") != "alert":
        return None
    ev = (doc.get("hijack") or {}).get("event") or (doc.get("alert") or {}).get("signature")
    try:
        return ev, conn_key(doc["src_ip"], doc["src_port"], doc["dest_ip"], doc["dest_port"])
    except (KeyError, ValueError, TypeError):
        return ev, None


def alerts_in(doc):
    """(event, connection) of an alert and of the events merged into it (hijack.also:
    the other fingerprint events of its packet, the event that completed a verdict:
    raised too, docs/detections.md)."""
    a = alert_of(doc)
    if not a:
        return []
    return [a] + [(m.get("event"), a[1]) for m in (doc.get("hijack") or {}).get("also") or []]


def alerts_from_jsonl(path):
    out = []
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            # a folded alert's closing update repeats its alert_id (docs/schema.md):
            # not another alert, and the database holds it in the same row
            if ((doc.get("hijack") or {}).get("fold") or {}).get("final"):
                # ... but the lesser verdicts it absorbed (hijack.also entries with their
                # own timestamp, docs/detections.md "Incidents") were raised then
                a = alert_of(doc)
                if a:
                    out.extend((m.get("event"), a[1]) for m in doc["hijack"].get("also") or []
                               if m.get("timestamp"))
                continue
            out.extend(alerts_in(doc))
    return out


def alerts_from_db(path):
    """Every alert document stored in the database, whatever the table layout: the
    store keeps the whole JSON document in a column; find the documents."""
    out, seen = [], set()
    if not os.path.exists(path):
        return out
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        tables = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
        for t in tables:
            for row in db.execute('select * from "%s"' % t.replace('"', '""')):
                for v in row:
                    if isinstance(v, str) and v.startswith("{") and '"event_type"' in v:
                        try:
                            doc = json.loads(v)
                        except ValueError:
                            continue
                        aid = doc.get("alert_id") or v
                        if aid in seen:
                            continue
                        seen.add(aid)
                        out.extend(alerts_in(doc))
    finally:
        db.close()
    return out


def run_file_mode(program, pcap, d):
    outdir = os.path.join(d, "file")
    os.makedirs(outdir, exist_ok=True)
    r = subprocess.run([program, "run", "-r", pcap, "--json", os.path.join(outdir, "alerts.jsonl"), "--db",
                        os.path.join(outdir, "alerts.db"), "--summary-json", os.path.join(outdir, "summary.json"),
                        "--sensor", "e2e", "--no-progress"], capture_output=True, text=True, timeout=300)
    with open(os.path.join(outdir, "stderr"), "w") as f:
        f.write(r.stderr)
    return r.returncode, r.stderr


# ---------------------------------------------------------------------------- context

class Ctx:
    """What a scenario's choreography sees: start endpoints and the attacker, add
    firewall rules, start the capture late."""

    def __init__(self, lab, sc, fam, port, d, sensor):
        self.lab, self.sc, self.fam, self.port, self.d, self.sensor = lab, sc, fam, port, d, sensor
        self.a = lab.addr[fam]
        self.conn = None
        self.notes = []
        self.procs = {}
        self.attacker_proc = None
        self.tables = []
        self.bg_conn = None

    def _opts(self, kw):
        out = []
        for k, v in kw.items():
            out += ["--" + k.replace("_", "-"), str(v)]
        return out

    def server(self, mode, **kw):
        p = Proc(self.lab, "srv", [PY, os.path.join(HERE, "endpoint.py"), "server", "--mode", mode, "--bind",
                                   self.a["srv"], "--port", str(self.port)] + self._opts(kw), self.d, "server")
        if not p.wait_event("listening", 10):
            raise LabError("server did not start: %s" % p.stderr_tail())
        self.procs["server"] = p
        return p

    def background(self):
        """An untouched connection alongside the attacked one (another port: the
        attacker follows only the scenario's port): commands for ~3 s. It must stay
        silent (evaluate: no alert on any other connection)."""
        port = self.port + 5
        p = Proc(self.lab, "srv", [PY, os.path.join(HERE, "endpoint.py"), "server", "--mode", "echo", "--bind",
                                   self.a["srv"], "--port", str(port)], self.d, "bg-server")
        if not p.wait_event("listening", 10):
            raise LabError("background server did not start: %s" % p.stderr_tail())
        self.procs["bg-server"] = p
        c = Proc(self.lab, "cli", [PY, os.path.join(HERE, "endpoint.py"), "client", "--mode", "commands",
                                   "--connect", self.a["srv"], "--source", self.a["cli"], "--port", str(port),
                                   "--count", "30", "--interval", "0.1"], self.d, "bg-client")
        self.procs["bg-client"] = c
        ev = c.wait_event("connected", 10)
        if not ev:
            raise LabError("background connection not established: %s" % c.stderr_tail())
        self.bg_conn = conn_key(ev["local"][0], ev["local"][1], ev["remote"][0], ev["remote"][1])

    def client(self, mode, wait_connected=True, **kw):
        p = Proc(self.lab, "cli", [PY, os.path.join(HERE, "endpoint.py"), "client", "--mode", mode,
                                   "--connect", self.a["srv"], "--source", self.a["cli"], "--port", str(self.port)]
                 + self._opts(kw), self.d, "client")
        self.procs["client"] = p
        if wait_connected:
            ev = p.wait_event("connected", 10)
            if ev:
                self.conn = conn_key(ev["local"][0], ev["local"][1], ev["remote"][0], ev["remote"][1])
        return p

    def attacker(self, mode, **kw):
        p = Proc(self.lab, "att", [PY, os.path.join(HERE, "attacker.py"), mode, "--server", self.a["srv"],
                                   "--client", self.a["cli"], "--port", str(self.port),
                                   "--server-mac", self.lab.mac["rtr" if self.lab.routed else "srv"],
                                   "--client-mac", self.lab.mac["cli"]]
                 + self._opts(kw), self.d, "attacker")
        if not p.wait_event("ready", 20):
            raise LabError("attacker did not start: %s" % p.stderr_tail())
        self.procs["attacker"] = p
        self.attacker_proc = p
        return p

    def start_capture(self):
        self.sensor.start()

    def nft(self, role, family, table, text):
        """Load an nftables table in a namespace; it is deleted when the scenario ends."""
        self.lab.nft(role, text)
        self.tables.append((role, family, table))

    def nft_delete(self, role, family, table):
        self.lab.nft_del(role, family, table)
        if (role, family, table) in self.tables:
            self.tables.remove((role, family, table))

    def wait_connected(self, timeout):
        p = self.procs.get("client")
        ev = p.wait_event("connected", timeout) if p else None
        if ev:
            self.conn = conn_key(ev["local"][0], ev["local"][1], ev["remote"][0], ev["remote"][1])

    def finish(self, timeout=30):
        """Wait for the client, then the attacker and the server."""
        for name in ("client", "attacker", "server", "bg-client", "bg-server"):
            p = self.procs.get(name)
            if p and p.wait(timeout) is None:
                self.notes.append("%s killed after %d s" % (name, timeout))
        for name in ("client", "server"):
            p = self.procs.get(name)
            if p:
                for e in p.find("error") + p.find("fatal"):
                    self.notes.append("%s: %s" % (name, e.get("error")))
        if self.conn is None:
            self.wait_connected(0)
        if self.conn is None:
            p = self.procs.get("server")
            ev = p.wait_event("accepted", 0) if p else None
            if ev:
                self.conn = conn_key(ev["local"][0], ev["local"][1], ev["remote"][0], ev["remote"][1])
        if self.conn is None and self.attacker_proc:
            # the client may die before it can report (a forged handshake): the
            # attacker followed the connection and knows its client port
            for ev in self.attacker_proc.find("done"):
                if ev.get("client") and ev["client"][1]:
                    self.conn = conn_key(ev["client"][0], ev["client"][1], ev["server"][0], ev["server"][1])


# ---------------------------------------------------------------------------- running

class Result:
    def __init__(self, name, kind):
        self.name, self.kind = name, kind
        self.ok = False
        self.lines = []
        self.reason = ""


def evaluate(sc, ctx, file_alerts, live_alerts, res):
    fset, lset = set(file_alerts), set(live_alerts)
    conn = ctx.conn
    res.lines.append("connection: %s" % fmt_conn(conn))
    if getattr(sc, "background", False):
        res.lines.append("background connection: %s" % fmt_conn(ctx.bg_conn))

    def show(alerts):
        if not alerts:
            return "none"
        counts = {}
        for ev, k in alerts:
            tag = ev if k == conn else "%s on %s" % (ev, fmt_conn(k))
            counts[tag] = counts.get(tag, 0) + 1
        return ", ".join("%s x%d" % (t, n) if n > 1 else t for t, n in sorted(counts.items()))

    res.lines.append("alerts (file): %s" % show(file_alerts))
    res.lines.append("alerts (live): %s" % show(live_alerts))
    agree = fset == lset
    if not agree:
        only_f = sorted("%s %s" % (e, fmt_conn(k)) for e, k in fset - lset)
        only_l = sorted("%s %s" % (e, fmt_conn(k)) for e, k in lset - fset)
        res.lines.append("file/live DISAGREE: only file: %s; only live: %s" %
                         (", ".join(only_f) or "-", ", ".join(only_l) or "-"))
    problems = []
    if sc.kind == "benign":
        if fset or lset:
            problems.append("alert on a benign scenario")
    else:
        if conn is None:
            problems.append("no connection established")
        for label, s in (("file", fset), ("live", lset)):
            on_conn = {e for e, k in s if k == conn}
            for group in sc.expect:
                if not on_conn & set(group):
                    problems.append("%s: none of {%s} on the connection" % (label, ", ".join(sorted(group))))
            bad = on_conn & set(getattr(sc, "forbid", ()))
            if bad:
                problems.append("%s: forbidden %s on the connection" % (label, ", ".join(sorted(bad))))
            elsewhere = {(e, k) for e, k in s if k != conn}
            if elsewhere:
                problems.append("%s: alert on another connection%s" % (
                    label, " (the background one)" if any(k == ctx.bg_conn for _, k in elsewhere) else ""))
        injected = sum(e.get("injected", 0) for e in ctx.attacker_proc.find("done")) if ctx.attacker_proc else 0
        if not injected:
            problems.append("LAB: the attacker injected nothing (%s)" % (
                "; ".join(str(e.get("waiting_for")) for e in ctx.attacker_proc.find("timeout"))
                if ctx.attacker_proc else "no attacker"))
    if not agree:
        problems.append("file and live alerts differ")
    res.ok = not problems
    res.reason = "; ".join(problems)


def describe_run(ctx, res, verbose):
    att = ctx.attacker_proc
    if att:
        inj = att.find("inject")
        notes = [e for e in inj if e.get("note")]
        shown = notes[:4] if not verbose else notes
        for e in shown:
            res.lines.append("attacker: %s %s seq=%d ack=%d len=%d ttl=%d%s%s" % (
                e["note"], e["flags"], e["seq"], e["ack"], e["len"], e["ttl"], "" if e["ts"] else " no-TS",
                (" data=%r" % e["data"]) if e.get("data") else ""))
        if len(inj) > len(shown):
            res.lines.append("attacker: ... %d packets injected in all" % len(inj))
    for name in ("server", "client"):
        p = ctx.procs.get(name)
        if not p:
            continue
        recv = [e.get("line") or e.get("data") for e in p.find("recv") + p.find("response")]
        odd = [r for r in recv if r and ("INJECT" in r or "FORGED" in r or "evil" in r)]
        if odd:
            res.lines.append("%s application received: %s" % (name, "; ".join(repr(o) for o in odd[:3])))
    for n in ctx.notes:
        res.lines.append("note: %s" % n)


def summary_value(path, key):
    try:
        with open(path) as f:
            v = json.load(f)
        for part in key.split("."):
            v = v[part]
        return v
    except (OSError, ValueError, KeyError, TypeError):
        return None


def check_summary(sc, d, res):
    """The scenario's summary minimums (sc.summary) in both modes; returns why not."""
    short = []
    for key, low in getattr(sc, "summary", ()):
        got = {m: summary_value(os.path.join(d, m, "summary.json"), key) for m in ("file", "live")}
        res.lines.append("summary: %s = %s (file), %s (live); at least %d expected" %
                         (key, got["file"], got["live"], low))
        for m, v in got.items():
            if not isinstance(v, int) or v < low:
                short.append("%s summary: %s below %d" % (m, key, low))
    return "; ".join(short)


def run_scenario(program, sc, fam, port, workdir, verbose):
    """One scenario in a lab of its own (fresh namespaces: no socket, neighbour or
    firewall state survives from an earlier scenario)."""
    name = "%s/v%d" % (sc.name, fam)
    d = os.path.join(workdir, name.replace("/", "-"))
    os.makedirs(d, exist_ok=True)
    res = Result(name, sc.kind)
    lab = Lab(routed=sc.topology == "routed")
    CURRENT_LABS.append(lab)
    # capture "client": tcpdump and the live sensor on the client's own interface
    # (its outgoing packets as the host's packet tap sees them: offload scenarios)
    sensor = Sensor(lab, program, d, *(("cli", "eth0") if sc.capture == "client" else ("sen", "br0")))
    ctx = Ctx(lab, sc, fam, port, d, sensor)
    t0 = time.time()
    rc_live = None
    try:
        lab.up()
        if getattr(sc, "setup", None):
            sc.setup(ctx)     # before the capture and the background connection
        if not sc.late_capture:
            sensor.start()
        if getattr(sc, "background", False):
            ctx.background()
        sc.run(ctx)
        ctx.finish()
    except LabError as e:
        res.reason = "LAB: %s" % e
    finally:
        for t in list(ctx.tables):
            ctx.nft_delete(*t)
        try:
            rc_live = sensor.stop() if sensor.td else sensor.collect()
        finally:
            lab.down()
            CURRENT_LABS.remove(lab)
    if res.reason:
        res.lines.append("lab error: %s" % res.reason)
        return res
    if sensor.tcpdump_drops:
        ctx.notes.append("tcpdump dropped %d packets" % sensor.tcpdump_drops)
    rc_file, err = run_file_mode(program, sensor.pcap, d)
    file_alerts = alerts_from_jsonl(os.path.join(d, "file", "alerts.jsonl"))
    live_alerts = alerts_from_db(os.path.join(d, "live", "alerts.db"))
    # each mode wrote both sinks: they must hold the same alerts
    sinks_differ = []
    for mode, a, b in (("file", file_alerts, alerts_from_db(os.path.join(d, "file", "alerts.db"))),
                       ("live", alerts_from_jsonl(os.path.join(d, "live", "alerts.jsonl")), live_alerts)):
        if sorted(a, key=repr) != sorted(b, key=repr):
            sinks_differ.append(mode)
            ctx.notes.append("%s mode: JSON lines hold %d alerts, SQLite %d (they differ)" % (mode, len(a), len(b)))
    if rc_file != 0:
        ctx.notes.append("seqwatch run -r exited %s: %s" % (rc_file, " ".join(err.strip().splitlines()[-1:])))
    if rc_live != 0:
        ctx.notes.append("seqwatch run -i exited %s: %s" % (rc_live, sensor.sw.stderr_tail(2)))
    describe_run(ctx, res, verbose)
    evaluate(sc, ctx, file_alerts, live_alerts, res)
    short = check_summary(sc, d, res)
    if short:
        res.ok = False
        res.reason = (res.reason + "; " if res.reason else "") + short
    if rc_file != 0 or rc_live != 0:
        res.ok = False
        res.reason = (res.reason + "; " if res.reason else "") + "seqwatch failed"
    if sinks_differ:
        res.ok = False
        res.reason = (res.reason + "; " if res.reason else "") + \
            "JSON lines and SQLite differ (%s)" % ", ".join(sinks_differ)
    res.lines.append("took %.1f s, artefacts in %s" % (time.time() - t0, d))
    res.ctx = ctx
    res.pcap = sensor.pcap
    return res


def print_result(res, sc):
    print("[%s] %s" % ("attack" if sc.kind == "attack" else "benign", res.name))
    print("  scenario: %s" % sc.what)
    if sc.kind == "attack":
        print("  expected: %s" % " AND ".join("any of {%s}" % ", ".join(sorted(g)) if len(g) > 1 else g[0]
                                               for g in sc.expect))
        print("  because:  %s" % sc.why)
    else:
        print("  expected: no alert (%s)" % sc.why)
    for line in res.lines:
        print("  " + line)
    print("  verdict:  %s%s" % ("PASS" if res.ok else "FAIL", "" if res.ok else " (%s)" % res.reason))
    print()
    sys.stdout.flush()


def find_program(arg):
    for cand in (arg, os.environ.get("SW_PROGRAM")):
        if cand:
            return os.path.abspath(cand)
    root = os.path.dirname(os.path.dirname(HERE))
    for d in sorted(os.listdir(root)):
        p = os.path.join(root, d, "seqwatch")
        if d.startswith("build") and os.access(p, os.X_OK):
            return p
    return None


def preflight(program):
    """Returns None, or why the lab cannot run here (the caller exits 77)."""
    if os.geteuid() != 0:
        return "the e2e lab needs root (network namespaces, bridge, raw sockets)"
    for tool, pkg in (("ip", "iproute2"), ("bridge", "iproute2"), ("tcpdump", "tcpdump"),
                      ("nft", "nftables"), ("ethtool", "ethtool")):
        if not shutil.which(tool):
            return "'%s' not found: install the Debian package %s" % (tool, pkg)
    try:
        import scapy  # noqa: F401
    except ImportError:
        return "%s cannot import scapy: install the Debian package python3-scapy" % PY
    probe = "swe2e-%d-probe" % os.getpid()
    r = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if r.returncode != 0:
        return "cannot create a network namespace (%s)" % r.stderr.strip()
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


def cmd_report(args):
    import scenarios
    import streams_check
    program = find_program(args.program)
    if not program or not os.access(program, os.X_OK):
        print("e2e: seqwatch program not found (build it, or pass --program / set SW_PROGRAM)")
        return 1
    why = preflight(program)
    if why:
        print("e2e: SKIPPED: %s" % why)
        return 77
    remove_stale_namespaces()
    sel = re.compile(args.only) if args.only else None
    todo = []
    for i, sc in enumerate(scenarios.SCENARIOS):
        for fam in sc.families:
            if args.family and fam != args.family:
                continue
            if sel and not sel.search("%s/v%d" % (sc.name, fam)):
                continue
            todo.append((sc, fam, 20000 + 10 * i + fam))
    if not todo:
        print("e2e: no scenario matches")
        return 2
    workdir = args.keep or tempfile.mkdtemp(prefix="seqwatch-e2e-")
    os.makedirs(workdir, exist_ok=True)

    def on_signal(sig, frame):
        raise SystemExit(128 + sig)

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)
    results = []
    t0 = time.time()
    print("seqwatch end-to-end accuracy report")
    print("program: %s" % program)
    print("lab: namespaces swe2e-%d-{cli,srv,att,sen} (new for each scenario), bridge br0 in the "
          "sensor namespace; work dir %s" % (os.getpid(), workdir))
    print()
    try:
        for sc, fam, port in todo:
            res = run_scenario(program, sc, fam, port, workdir, args.verbose)
            print_result(res, sc)
            results.append((sc, res))
            for chk in sc.stream_checks:
                sres = streams_check.run(program, res, sc, fam, chk, workdir)
                streams_check.print_result(sres)
                results.append((None, sres))
    finally:
        for lab in list(CURRENT_LABS):
            lab.down()
    passed = sum(1 for _, r in results if r.ok)
    failed = len(results) - passed
    att = [(sc, r) for sc, r in results if sc and sc.kind == "attack"]
    ben = [(sc, r) for sc, r in results if sc and sc.kind == "benign"]
    stc = [r for sc, r in results if sc is None]
    print("== totals ==")
    print("attacks detected (right event, right connection, file and live agree): %d/%d" %
          (sum(r.ok for _, r in att), len(att)))
    print("benign scenarios without any alert: %d/%d" % (sum(r.ok for _, r in ben), len(ben)))
    if stc:
        print("stream reassembly checks (seqwatch streams vs application bytes): %d/%d" %
              (sum(r.ok for r in stc), len(stc)))
    fails = [r.name for _, r in results if not r.ok]
    if fails:
        print("failed: %s" % ", ".join(fails))
    print("time: %.0f s" % (time.time() - t0))
    if not args.keep and not failed:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print("artefacts kept in %s" % workdir)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


def cmd_list(args):
    import scenarios
    for sc in scenarios.SCENARIOS:
        exp = "no alert" if sc.kind == "benign" else " AND ".join("|".join(sorted(g)) for g in sc.expect)
        print("%-22s %-6s v%-4s %s\n%28s expected: %s" % (sc.name, sc.kind, ",".join(map(str, sc.families)),
                                                          sc.what, "", exp))
    return 0


def main():
    p = argparse.ArgumentParser(description="seqwatch end-to-end lab and accuracy report")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("report", help="run the scenarios and print the accuracy report")
    r.add_argument("--only", help="regular expression on scenario names (e.g. 'rst|v6')")
    r.add_argument("--family", type=int, choices=(4, 6))
    r.add_argument("--keep", help="keep captures, alerts and logs in this directory")
    r.add_argument("--program", help="the seqwatch program (default: $SW_PROGRAM or build*/seqwatch)")
    r.add_argument("-v", "--verbose", action="store_true")
    sub.add_parser("list", help="list the scenarios and what each expects")
    args = p.parse_args()
    return cmd_report(args) if args.cmd == "report" else cmd_list(args)


if __name__ == "__main__":
    sys.exit(main())

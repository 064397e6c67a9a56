#!/usr/bin/env python3
"""Differential DNS check: send each query of a query file (kdig arguments
per line) to two servers and compare their answers field by field: rcode,
the AA and TC flags, whether EDNS came back (version, DO, ext-rcode), and
each section as a set of records (names compared without regard to case,
RFC 4343). Prints one "ok - " or "not ok - " line per query (tests/lib.sh
protocol).

usage: compare.py QUERYFILE SERVER_A NAME_A SERVER_B NAME_B

A SERVER is PORT (on 127.0.0.1), ADDR:PORT, or NETNS/ADDR:PORT to ask
from inside network namespace NETNS (ip netns exec; tests/dns_targets.t).
Environment: DNS_TIMEOUT (kdig +timeout, seconds, default 2), DNS_JOBS
(queries in flight, default 8).
"""
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor


def ask(server, args):
    ns, _, hp = server.rpartition("/")
    addr, _, port = hp.rpartition(":")
    cmd = (["ip", "netns", "exec", ns] if ns else []) + [
        "kdig", "@" + (addr or "127.0.0.1"), "-p", port, "+norec",
        "+timeout=" + os.environ.get("DNS_TIMEOUT", "2"), "+retry=1"] + args
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    return parse(out)


def parse(text):
    r = {"rcode": None, "flags": set(), "edns": None,
         "answer": set(), "authority": set(), "additional": set()}
    sec = None
    for line in text.splitlines():
        m = re.match(r";; ->>HEADER<<- opcode: (\w+); status: (\w+)", line)
        if m:
            r["rcode"] = m.group(2)
            continue
        m = re.match(r";; Flags: ([^;]*);", line)
        if m:
            r["flags"] = set(m.group(1).split()) & {"aa", "tc"}
            continue
        m = re.match(r";; Version: (\d+); flags: ([^;]*); UDP size: \d+ B;"
                     r" ext-rcode: (\w+)", line)
        if m:
            r["edns"] = (m.group(1), m.group(2).strip(), m.group(3))
            continue
        m = re.match(r";; (ANSWER|AUTHORITY|ADDITIONAL) SECTION:", line)
        if m:
            sec = m.group(1).lower()
            continue
        if not line.strip() or line.startswith(";;"):
            sec = None if not line.strip() else sec
            continue
        if sec:
            f = line.split()
            # owner, ttl, class, type lowercased; rdata names too
            r[sec].add(" ".join(x.lower() for x in f))
    return r


def main():
    qfile, pa, na, pb, nb = sys.argv[1:6]
    queries = []
    for line in open(qfile):
        line = line.strip()
        if line and not line.startswith("#"):
            queries.append(line)
    fails = 0
    with ThreadPoolExecutor(int(os.environ.get("DNS_JOBS", "8"))) as ex:
        res = list(ex.map(lambda q: (q, ask(pa, q.split()), ask(pb, q.split())),
                          queries))
    for q, a, b in res:
        diffs = []
        if a["rcode"] is None or b["rcode"] is None:
            diffs.append("no answer from %s" % (na if a["rcode"] is None else nb))
        for k in ("rcode", "flags", "edns", "answer", "authority", "additional"):
            if a[k] != b[k]:
                diffs.append("%s: %s=%s %s=%s" % (k, na, sorted(a[k]) if isinstance(a[k], set) else a[k],
                                                  nb, sorted(b[k]) if isinstance(b[k], set) else b[k]))
        if diffs:
            fails += 1
            print("not ok - dns diff: %s: %s" % (q, "; ".join(diffs)))
        else:
            print("ok - dns diff: %s (%s%s)" % (q, a["rcode"], "".join(" " + f for f in sorted(a["flags"]))))
    return 0


if __name__ == "__main__":
    sys.exit(main())

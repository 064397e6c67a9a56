#!/usr/bin/env python3
"""Seed corpus for fuzz_stack.c: realistic exchanges with a Linux peer.

Each seed is byte 0 (configuration: 1 = DHCP) then records
[u16 length][frame], or [0x0000][u32 ms] for a time step. Run from the
repository root: python3 lib/net/fuzz/mkstack.py (writes corpus/stack/).
"""
import os
import struct

OUT = os.path.join(os.path.dirname(__file__), "corpus", "stack")
US, PEER = bytes([10, 0, 0, 2]), bytes([10, 0, 0, 1])
MAC, PEER_MAC = bytes([2, 0, 0, 0, 0, 2]), bytes([2, 0, 0, 0, 0, 1])
BCAST_MAC = b"\xff" * 6


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(dst, typ, payload, src=PEER_MAC):
    return dst + src + struct.pack("!H", typ) + payload


def arp(op, spa, tpa, sha=PEER_MAC):
    tha = b"\0" * 6 if op == 1 else MAC
    p = struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + spa + tha + tpa
    return eth(BCAST_MAC if op == 1 else MAC, 0x0806, p, sha)


def ip(proto, payload, src=PEER, dst=US, ident=1, mf=False, off=0, ihl=5,
       total=None, fix=True):
    flags = (0x2000 if mf else 0) | (off // 8)
    tl = total if total is not None else ihl * 4 + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tl, ident, flags, 64,
                    proto, 0, src, dst) + b"\0" * (ihl * 4 - 20)
    if fix:
        h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return eth(MAC, 0x0800, h + payload)


def echo(n, ident=0x1234, seq=1):
    data = bytes((i * 7 + 3) & 0xFF for i in range(n))
    m = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]


def pseudo(src, dst, proto, n):
    return src + dst + struct.pack("!BBH", 0, proto, n)


def udp(sport, dport, data, src=PEER, dst=US):
    n = 8 + len(data)
    h = struct.pack("!HHHH", sport, dport, n, 0)
    c = csum(pseudo(src, dst, 17, n) + h + data) or 0xFFFF
    return h[:6] + struct.pack("!H", c) + data


def tcp(sport, dport, seq, ack, flags, data=b"", opts=b""):
    doff = (20 + len(opts)) // 4
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags,
                    65535, 0, 0) + opts
    c = csum(pseudo(PEER, US, 6, len(h) + len(data)) + h + data)
    return h[:16] + struct.pack("!H", c) + h[18:] + data


def dhcp(typ, xid, extra=b""):
    m = struct.pack("!BBBBIHH4s4s4s4s", 2, 1, 6, 0, xid, 0, 0, b"\0" * 4,
                    bytes([10, 0, 0, 50]), b"\0" * 4, b"\0" * 4)
    m += MAC + b"\0" * 10 + b"\0" * 192 + struct.pack("!I", 0x63825363)
    m += bytes([53, 1, typ, 54, 4]) + PEER
    m += bytes([1, 4, 255, 255, 255, 0, 3, 4]) + PEER
    m += bytes([51, 4]) + struct.pack("!I", 120) + extra + b"\xff"
    return ip(17, udp(67, 68, m, PEER, b"\xff" * 4), dst=b"\xff" * 4)


def rec(frame):
    return struct.pack("!H", len(frame)) + frame


def step(ms):
    return struct.pack("!HI", 0, ms)


def frags(proto, msg, ident, per=1480):
    out = b""
    for off in range(0, len(msg), per):
        part = msg[off:off + per]
        out += rec(ip(proto, part, ident=ident, mf=off + per < len(msg),
                      off=off))
    return out


def seeds():
    hello = rec(arp(1, PEER, US))
    yield "arp_ping", b"\0" + hello + rec(ip(1, echo(56))) + step(1000) + \
        rec(ip(1, echo(56, seq=2)))
    yield "arping", b"\0" + rec(arp(1, PEER, US)) + step(1000) + \
        rec(arp(1, PEER, US)) + rec(arp(2, PEER, US))
    yield "ping_1472", b"\0" + hello + rec(ip(1, echo(1472)))
    yield "ping_4000_frags", b"\0" + hello + frags(1, echo(4000), 77)
    yield "ping_frags_reordered", b"\0" + hello + b"".join(
        reversed([rec(ip(1, echo(3000)[o:o + 1480], ident=5,
                         mf=o + 1480 < 3008, off=o))
                  for o in (0, 1480, 2960)]))
    yield "reasm_timeout", b"\0" + hello + \
        rec(ip(1, echo(3000)[:1480], ident=9, mf=True)) + step(31000)
    yield "ping_unknown_peer", b"\0" + rec(ip(1, echo(56))) + \
        step(1000) + step(1000) + step(1000) + rec(arp(2, PEER, US))
    yield "udp_echo", b"\0" + hello + rec(ip(17, udp(4000, 7, b"hello"))) + \
        rec(ip(17, udp(4001, 9, b"closed"))) + step(500)
    yield "udp_large", b"\0" + hello + frags(17, udp(4000, 7, bytes(5000)),
                                              33)
    yield "tcp_syn", b"\0" + hello + \
        rec(ip(6, tcp(40000, 80, 1000, 0, 0x02,
                      opts=bytes([2, 4, 5, 180, 1, 3, 3, 7])))) + \
        step(200) + rec(ip(6, tcp(40000, 80, 1001, 0, 0x10)))
    yield "tcp_syn_closed", b"\0" + hello + \
        rec(ip(6, tcp(40000, 81, 1000, 0, 0x02)))
    yield "dhcp", b"\1" + rec(dhcp(2, 0)) + rec(dhcp(5, 0)) + \
        step(60000) + step(45000) + step(15000)
    yield "dhcp_nak", b"\1" + rec(dhcp(2, 0)) + rec(dhcp(6, 0)) + step(5000)
    bad = [
        ip(1, echo(56), ihl=4, fix=False),         # IHL below 5
        ip(1, echo(56), total=2000),               # total length past frame
        ip(1, echo(56))[:20],                      # runt IP
        eth(MAC, 0x0800, b"")[:10],                # runt frame
        ip(1, echo(56))[:24] + b"\0\0" + ip(1, echo(56))[26:],  # bad csum
        ip(1, bytes([3, 3, 0, 0, 0, 0, 0, 0, 0x45, 0, 0, 20])),  # cut quote
        ip(6, tcp(40000, 80, 1, 0, 0x02, opts=bytes([2, 0, 0, 0]))),
        ip(6, tcp(40000, 80, 1, 0, 0x02, opts=bytes([8, 1, 0, 0]))),
        ip(6, tcp(40000, 80, 1, 0, 0x02, opts=bytes([3, 9, 0, 0]))),
    ]
    yield "malformed_then_ping", b"\0" + hello + \
        b"".join(rec(f) for f in bad) + rec(ip(1, echo(56, seq=9)))
    ovl = echo(3000)
    yield "overlap", b"\0" + hello + \
        rec(ip(1, ovl[:1480], ident=3, mf=True)) + \
        rec(ip(1, bytes(1480), ident=3, mf=True, off=1472)) + \
        rec(ip(1, ovl[2952:], ident=3, off=2952)) + rec(ip(1, echo(8)))


os.makedirs(OUT, exist_ok=True)
for name, data in seeds():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)

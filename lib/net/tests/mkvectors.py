#!/usr/bin/env python3
"""Build the packets lib/net's tests and fuzz seeds use, from the RFCs.

The checksums here are computed independently of lib/net/cksum.c (a plain
RFC 1071 loop), so the C tests check the codecs against a second
implementation. Writes vectors.h (C arrays) and ../fuzz/corpus/*/ seeds.
Run it from anywhere: python3 lib/net/tests/mkvectors.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip(a):
    return bytes(int(x) for x in a.split("."))


MAC_A = bytes.fromhex("020000000001")  # the Linux peer (a tap's far side)
MAC_B = bytes.fromhex("525400123456")  # Kiln
IP_A, IP_B = ip("10.0.0.1"), ip("10.0.0.2")


def eth(dst, src, typ, payload):
    return dst + src + struct.pack("!H", typ) + payload


def ipv4(proto, src, dst, payload, ident=0x1C46, ttl=64, df=True, opts=b""):
    ihl = 5 + len(opts) // 4
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + len(payload),
                    ident, 0x4000 if df else 0, ttl, proto, 0, src, dst) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def pseudo(src, dst, proto, n):
    return src + dst + struct.pack("!BBH", 0, proto, n)


def icmp_echo(typ, ident, seq, data):
    m = struct.pack("!BBHHH", typ, 0, 0, ident, seq) + data
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]


def udp(src, dst, sport, dport, data):
    u = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    c = csum(pseudo(src, dst, 17, len(u)) + u) or 0xFFFF
    return u[:6] + struct.pack("!H", c) + u[8:]


def tcp(src, dst, sport, dport, seq, ack, flags, win, opts, data=b""):
    doff = 5 + len(opts) // 4
    t = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags,
                    win, 0, 0) + opts + data
    c = csum(pseudo(src, dst, 6, len(t)) + t)
    return t[:16] + struct.pack("!H", c) + t[18:]


# A Linux `ping -c1 10.0.0.2`: 8 bytes of timeval then 0x10..0x37.
PING_DATA = bytes.fromhex("5f0e6c6500000000a1b2030000000000") + bytes(
    range(0x10, 0x38))
ping = eth(MAC_B, MAC_A, 0x0800,
           ipv4(1, IP_A, IP_B, icmp_echo(8, 0x1234, 1, PING_DATA)))

def icmp_err(typ, code, mtu, quote):
    m = struct.pack("!BBHHH", typ, code, 0, 0, mtu) + quote
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]


# A Linux SYN: MSS 1460, SACK-perm, TS, NOP, WS 7 (tcp_syn_options order).
SYN_OPTS = bytes.fromhex("020405b4") + bytes.fromhex("0402080a") + \
    struct.pack("!II", 0x9A3B2C1D, 0) + bytes.fromhex("01030307")
syn_tcp = tcp(IP_A, IP_B, 54321, 80, 0x12345678, 0, 0x02, 64240, SYN_OPTS)
syn = eth(MAC_B, MAC_A, 0x0800, ipv4(6, IP_A, IP_B, syn_tcp, ident=0))

# A DNS query for example.com A, as `dig` sends it (RD set, no EDNS).
DNS_Q = bytes.fromhex("abcd01000001000000000000") + \
    b"\x07example\x03com\x00" + bytes.fromhex("00010001")
dns_udp = udp(IP_A, IP_B, 40000, 53, DNS_Q)
dns = eth(MAC_B, MAC_A, 0x0800, ipv4(17, IP_A, IP_B, dns_udp, ident=0x4d2))

# ARP who-has 10.0.0.2 tell 10.0.0.1, padded to the 60-byte minimum.
arp_req = eth(b"\xff" * 6, MAC_A, 0x0806,
              struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, MAC_A, IP_A,
                          bytes(6), IP_B) + bytes(18))

# A DHCPOFFER from 10.0.0.254 offering 10.0.0.50 (dnsmasq-like options).
def dhcp_opt(code, data):
    return bytes([code, len(data)]) + data

offer_opts = (dhcp_opt(53, b"\x02") + dhcp_opt(54, ip("10.0.0.254")) +
              dhcp_opt(51, struct.pack("!I", 3600)) +
              dhcp_opt(58, struct.pack("!I", 1800)) +
              dhcp_opt(59, struct.pack("!I", 3150)) +
              dhcp_opt(1, ip("255.255.255.0")) +
              dhcp_opt(28, ip("10.0.0.255")) +  # broadcast: unknown to us
              dhcp_opt(3, ip("10.0.0.254")) +
              dhcp_opt(6, ip("10.0.0.254") + ip("9.9.9.9")) + b"\xff")
dhcp_offer = struct.pack("!BBBBIHHIIII16s64s128sI", 2, 1, 6, 0, 0x3903F326,
                         0, 0x8000, 0, int.from_bytes(ip("10.0.0.50"), "big"),
                         int.from_bytes(ip("10.0.0.254"), "big"), 0,
                         MAC_B + bytes(10), bytes(64), bytes(128),
                         0x63825363) + offer_opts
dhcp_offer += bytes(max(0, 300 - len(dhcp_offer)))
dhcp_frame = eth(b"\xff" * 6, bytes.fromhex("5254009999fe"), 0x0800,
                 ipv4(17, ip("10.0.0.254"), ip("255.255.255.255"),
                      udp(ip("10.0.0.254"), ip("255.255.255.255"), 67, 68,
                          dhcp_offer), ident=0))

VECTORS = [
    ("vec_ping", ping, "Ethernet + IPv4 + ICMP echo request (ping)"),
    ("vec_syn", syn, "Ethernet + IPv4 + TCP SYN with Linux's options"),
    ("vec_dns", dns, "Ethernet + IPv4 + UDP DNS query"),
    ("vec_arp_req", arp_req, "Ethernet + ARP request, padded to 60"),
    ("vec_dhcp_offer", dhcp_frame, "Ethernet + IPv4 + UDP + DHCPOFFER"),
]


def c_array(name, data, what):
    out = ["/* %s: %d bytes */" % (what, len(data)),
           "static const uint8_t %s[] = {" % name]
    for i in range(0, len(data), 12):
        out.append("\t" + " ".join("0x%02x," % b for b in data[i:i + 12]))
    out.append("};")
    return "\n".join(out)


def main():
    hdr = ["/*", " * Test packets, generated by mkvectors.py (do not edit: "
           "rerun it).", " * Checksums come from that script's own RFC 1071 "
           "loop, not from lib/net.", " */",
           "#ifndef KILN_NET_TEST_VECTORS_H", "#define KILN_NET_TEST_VECTORS_H",
           "", "#include <stdint.h>", "",
           "/* Generated layout, 12 bytes a line: keep it. */",
           "/* clang-format off */", ""]
    for name, data, what in VECTORS:
        hdr.append(c_array(name, data, what))
        hdr.append("")
    hdr.append("/* clang-format on */")
    hdr.append("")
    hdr.append("#endif")
    with open(os.path.join(HERE, "vectors.h"), "w") as f:
        f.write("\n".join(hdr) + "\n")

    # Fuzz seeds: each parser's input at its own layer.
    corpus = os.path.join(HERE, "..", "fuzz", "corpus")
    seeds = {
        "eth": [ping, syn, arp_req,
                ping[:12] + b"\x81\x00\x00\x05" + ping[12:], ping[:13]],
        "arp": [arp_req[14:], arp_req[14:42]],
        "ipv4": [ping[14:], syn[14:], dns[14:],
                 ipv4(17, IP_A, IP_B, dns_udp, opts=b"\x94\x04\x00\x00")],
        "icmp": [ping[34:], icmp_echo(0, 1, 2, b""),
                 icmp_err(3, 3, 0, dns[14:14 + 28]),
                 icmp_err(3, 4, 1500, syn[14:14 + 28])],
        # udp and tcp seeds start with the pseudo-header's addresses.
        "udp": [IP_A + IP_B + dns[34:],
                ip("10.0.0.254") + b"\xff" * 4 + dhcp_frame[34:]],
        "tcp": [IP_A + IP_B + syn[34:], IP_A + IP_B + syn_tcp[:20]],
        "dhcp": [dhcp_offer],
    }
    # Malformed seeds, one per drop class, so that a replay walks the
    # drop paths under the sanitizers too.
    bad_ihl = bytearray(ping[14:])
    bad_ihl[0] = 0x44
    long_total = bytearray(ping[14:])
    long_total[3] += 1
    seeds["ipv4"] += [bytes(bad_ihl), bytes(long_total), ping[14:30]]
    seeds["icmp"] += [icmp_err(3, 1, 0, dns[14:14 + 20]),
                      icmp_err(11, 0, 0, b"\x4f" + dns[15:14 + 28])]
    lie = bytearray(dns_udp)
    lie[5] += 1
    seeds["udp"] += [IP_A + IP_B + bytes(lie), IP_A + IP_B + dns_udp[:7]]
    seeds["tcp"] += [IP_A + IP_B + tcp(IP_A, IP_B, 1, 2, 3, 4, 0x10, 5,
                                       bytes.fromhex("1e000000")),
                     IP_A + IP_B + tcp(IP_A, IP_B, 1, 2, 3, 4, 0x10, 5,
                                       bytes.fromhex("01010801")),
                     IP_A + IP_B + tcp(IP_A, IP_B, 1, 2, 3, 4, 0x18, 5,
                                       bytes.fromhex("0101050a00000001"
                                                     "00000002"), b"x")]
    seeds["dhcp"] += [dhcp_offer[:240] + bytes.fromhex("350102330400"),
                      dhcp_offer[:240] + bytes.fromhex("35010206")]
    seeds["arp"] += [arp_req[14:41]]
    for name, blobs in seeds.items():
        d = os.path.join(corpus, name)
        os.makedirs(d, exist_ok=True)
        for i, b in enumerate(blobs):
            with open(os.path.join(d, "seed%d" % i), "wb") as f:
                f.write(b)


main()

/*
 * The test guest's device modes: "block" writes, reads back and checks
 * sectors on block device 0 and checks that a range past the end is
 * refused; "net" sends an ARP request for 10.0.0.1 from 10.0.0.2 on net
 * device 0 and waits for the reply (the host side of the tap answers).
 */
#include <stddef.h>
#include <stdint.h>

#include <kiln/kvm_abi.h>

void guest_print(const char *s);
void guest_printu(uint64_t v);

static void hc(unsigned call, volatile void *arg)
{
	__asm__ volatile("outl %0, %w1"
			 :
			 : "a"((uint32_t)(uintptr_t)arg),
			   "Nd"((uint16_t)(KVM_HC_PORT_BASE + call))
			 : "memory");
}

static uint8_t wbuf[8 * KVM_BLOCK_SECTOR], rbuf[8 * KVM_BLOCK_SECTOR];

static int io(unsigned call, uint64_t sector, uint32_t n, void *buf)
{
	struct kvm_hc_block_io q = {0, n, sector, (uintptr_t)buf, 0, 0};
	hc(call, &q);
	return q.ret;
}

int guest_block(const struct kvm_boot_info *bi, const char *args);
int guest_block(const struct kvm_boot_info *bi, const char *args)
{
	struct kvm_hc_block_info info = {0};
	int r;

	hc(KVM_HC_BLOCK_INFO, &info);
	if (info.ret || info.sector_size != KVM_BLOCK_SECTOR)
		return 10;
	guest_print("block: ");
	guest_printu(info.sectors);
	guest_print(" sectors\n");
	if (args[0] == 'b') /* "block bad": 1000 sectors in one call */
		return io(KVM_HC_BLOCK_READ, 0, 1000, rbuf), 11;
	/* Sectors 0..7 get 'A'..'H'; the last one 'Z'. */
	for (unsigned i = 0; i < sizeof wbuf; i++)
		wbuf[i] = (uint8_t)('A' + i / KVM_BLOCK_SECTOR);
	if ((r = io(KVM_HC_BLOCK_WRITE, 0, 8, wbuf)) != 0)
		return 12;
	for (unsigned i = 0; i < KVM_BLOCK_SECTOR; i++)
		wbuf[i] = 'Z';
	if (io(KVM_HC_BLOCK_WRITE, info.sectors - 1, 1, wbuf) != 0)
		return 13;
	if (io(KVM_HC_BLOCK_READ, 0, 8, rbuf) != 0)
		return 14;
	for (unsigned i = 0; i < sizeof rbuf; i++)
		if (rbuf[i] != (uint8_t)('A' + i / KVM_BLOCK_SECTOR))
			return 15;
	if (io(KVM_HC_BLOCK_FLUSH, 0, 0, 0) != 0)
		return 16;
	/* Past the end: -EINVAL (22), not a fault. */
	if (io(KVM_HC_BLOCK_READ, info.sectors, 1, rbuf) != -22 ||
	    io(KVM_HC_BLOCK_READ, info.sectors - 1, 2, rbuf) != -22 ||
	    io(KVM_HC_BLOCK_READ, UINT64_MAX, 2, rbuf) != -22)
		return 17;
	guest_print("block ok\n");
	return 0;
}

static uint8_t frames[4][KVM_NET_FRAME_MAX + 18];

static int is_arp_reply(const uint8_t *g, uint32_t len)
{
	return len >= 42 && g[12] == 8 && g[13] == 6 && g[21] == 2 &&
	       g[28] == 10 && g[31] == 1;
}

int guest_net(const struct kvm_boot_info *bi, const char *args);
int guest_net(const struct kvm_boot_info *bi, const char *args)
{
	struct kvm_hc_net_info ni = {0};
	static const uint8_t ip_me[4] = {10, 0, 0, 2},
			     ip_peer[4] = {10, 0, 0, 1};
	static uint8_t req[64];
	uint8_t *f = req;
	struct kvm_frame tab[4], rtab[4];

	hc(KVM_HC_NET_INFO, &ni);
	if (ni.ret || ni.mtu != 1500 || !(ni.mac[0] & 2))
		return 20;
	if (args[0] == 'b') { /* "net bad": NET_IO's receive table is out
			       * of range: the monitor ends the guest */
		struct kvm_hc_net_io q = {0};
		q.rx = (struct kvm_hc_net_recv){
			.dev = 0, .count = 4, .frames = 0xfffff000u};
		hc(KVM_HC_NET_IO, &q);
		return 25;
	}
	/* Ethernet broadcast, ARP request who-has 10.0.0.1 tell 10.0.0.2. */
	for (int i = 0; i < 6; i++) {
		f[i] = 0xff;
		f[6 + i] = ni.mac[i];
		f[22 + i] = ni.mac[i];
		f[32 + i] = 0;
	}
	f[12] = 0x08, f[13] = 0x06, f[14] = 0, f[15] = 1, f[16] = 8, f[17] = 0;
	f[18] = 6, f[19] = 4, f[20] = 0, f[21] = 1;
	for (int i = 0; i < 4; i++)
		f[28 + i] = ip_me[i], f[38 + i] = ip_peer[i];
	/* The request again every 100 ms: the tap's link may come up late. */
	for (int tries = 0; tries < 50; tries++) {
		struct kvm_hc_poll p = {100 * 1000 * 1000, 0};
		if (args[0] == 'i') { /* "net io": NET_IO does it all */
			struct kvm_hc_net_io q = {.timeout_ns =
							  100 * 1000 * 1000};
			tab[0] = (struct kvm_frame){(uintptr_t)f, 42, 0};
			for (int i = 0; i < 4; i++)
				rtab[i] =
					(struct kvm_frame){(uintptr_t)frames[i],
							   0, sizeof frames[i]};
			q.tx = (struct kvm_hc_net_send){
				.dev = 0, .count = 1, .frames = (uintptr_t)tab};
			q.rx = (struct kvm_hc_net_recv){
				.dev = 0,
				.count = 4,
				.frames = (uintptr_t)rtab};
			hc(KVM_HC_NET_IO, &q);
			if (q.tx.ret || q.tx.sent != 1 || q.rx.ret ||
			    q.rx.received > 4 || (q.ready & ~1ull) ||
			    !(q.ready & 1) != !q.rx.more)
				return 24;
			for (uint32_t i = 0; i < q.rx.received; i++)
				if (is_arp_reply(frames[i], rtab[i].len)) {
					guest_print("net ok: NET_IO, arp "
						    "reply from 10.0.0.1\n");
					return 0;
				}
			continue;
		}
		struct kvm_hc_net_send s = {0, 1, (uintptr_t)tab, 0, 0};
		tab[0] = (struct kvm_frame){(uintptr_t)f, 42, 0};
		hc(KVM_HC_NET_SEND, &s);
		if (s.ret || s.sent != 1)
			return 21;
		hc(KVM_HC_POLL, &p);
		if (!(p.ready & 1))
			continue;
		for (int i = 0; i < 4; i++)
			tab[i] = (struct kvm_frame){(uintptr_t)frames[i], 0,
						    sizeof frames[i]};
		struct kvm_hc_net_recv r = {0, 4, (uintptr_t)tab, 0, 0, 0, 0};
		hc(KVM_HC_NET_RECV, &r);
		if (r.ret)
			return 22;
		for (uint32_t i = 0; i < r.received; i++) {
			if (is_arp_reply(frames[i], tab[i].len)) {
				guest_print(
					"net ok: arp reply from 10.0.0.1\n");
				return 0;
			}
		}
	}
	guest_print("net: no ARP reply\n");
	return 23;
}

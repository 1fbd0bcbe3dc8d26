# SPDX-License-Identifier: LGPL-2.1-or-later
"""libpfring's filtering calls where no kernel module is needed: the conversion of
filtering_rule and hash_filtering_rule into the kernel's structs, the checks made before
any system call, and BPF programs compiled and run in user space (libpcap, loaded by the
library: the test program links libpfring.a and -lpthread only). Then the Python side:
Rule and HashRule through the binding into the same structs, when the binding is built.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pfring.paths import repo_root
from pfring.rules import HashRule, Rule, RuleAction

ROOT = repo_root()

PROGRAM = r"""
#include "pfring_priv.h"

static int failures, checks;

#define CHECK(cond, ...) do { checks++; if (!(cond)) { failures++; \
	printf("FAIL line %d: ", __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)
#define UNTOUCHED 4242	/* errno is left alone on success */
#define EXPECT(expr, code, err) do { int rc_, e_; errno = UNTOUCHED; rc_ = (expr); \
	e_ = errno; CHECK(rc_ == (code) && e_ == ((code) ? (err) : UNTOUCHED), \
	"%s: %d errno %d (%s), want %d errno %d", #expr, rc_, e_, strerror(e_), (code), \
	(err)); } while (0)
#define INVALID(expr) EXPECT(expr, PF_RING_ERROR_INVALID_ARGUMENT, EINVAL)

static void test_null_ring(void)
{
	filtering_rule fr;
	hash_filtering_rule hr;
	struct pf_ring_filter_info info;
	struct pf_ring_stats st;
	char stats[64];
	u_int len = sizeof(stats);

	memset(&fr, 0, sizeof(fr));
	memset(&hr, 0, sizeof(hr));
	INVALID(pfring_set_bpf_filter(NULL, "tcp"));
	INVALID(pfring_remove_bpf_filter(NULL));
	INVALID(pfring_set_sampling_rate(NULL, 2));
	INVALID(pfring_set_filtering_sampling_rate(NULL, 2));
	INVALID(pfring_toggle_filtering_policy(NULL, 1));
	INVALID(pfring_add_filtering_rule(NULL, &fr));
	INVALID(pfring_remove_filtering_rule(NULL, 1));
	INVALID(pfring_handle_hash_filtering_rule(NULL, &hr, 1));
	INVALID(pfring_get_filtering_rule_stats(NULL, 1, stats, &len));
	INVALID(pfring_get_hash_filtering_rule_stats(NULL, &hr, stats, &len));
	INVALID(pfring_purge_idle_rules(NULL, 1));
	INVALID(pfring_purge_idle_hash_rules(NULL, 1));
	INVALID(pfring_set_filtering_mode(NULL, software_only));
	INVALID(pfring_get_filtering_info(NULL, &info));
	INVALID(pfring_get_stats_ext(NULL, &st));
	CHECK(strcmp(pfring_get_bpf_error(NULL), "") == 0, "bpf error of no ring");
}

/* A ring of the kernel backend whose socket is a UDP one: no module needed */
static pfring *fake_ring(const struct pfring_ops *ops)
{
	pfring *r = calloc(1, sizeof(*r));

	r->priv = calloc(1, sizeof(*r->priv));
	r->priv->ops = ops;
	r->fd = socket(AF_INET, SOCK_DGRAM, 0);
	return r;
}

static void fake_ring_free(pfring *r)
{
	close(r->fd);
	free(r->priv);
	free(r);
}

static void test_checks_before_the_kernel(void)
{
	pfring *r = fake_ring(&pfring_kernel_ops);
	struct pfring_ops other = pfring_kernel_ops;
	pfring *o = fake_ring(&other);
	filtering_rule fr;
	hash_filtering_rule hr;
	char stats[64];
	u_int len = 10;

	memset(&fr, 0, sizeof(fr));
	memset(&hr, 0, sizeof(hr));
	EXPECT(pfring_set_filtering_mode(r, software_only), 0, 0);
	CHECK(r->priv->filter_mode == software_only, "mode kept");
	EXPECT(pfring_set_filtering_mode(r, hardware_and_software), 0, 0);
	EXPECT(pfring_set_filtering_mode(r, hardware_only), PF_RING_ERROR_NOT_SUPPORTED, ENOTSUP);
	INVALID(pfring_set_filtering_mode(r, (filtering_mode)9));
	INVALID(pfring_get_filtering_rule_stats(r, 1, stats, &len));
	INVALID(pfring_get_hash_filtering_rule_stats(r, &hr, stats, &len));
	len = sizeof(stats);
	INVALID(pfring_get_filtering_rule_stats(r, 1, NULL, &len));
	INVALID(pfring_get_hash_filtering_rule_stats(r, NULL, stats, &len));
	INVALID(pfring_add_filtering_rule(r, NULL));
	INVALID(pfring_handle_hash_filtering_rule(r, NULL, 1));
	fr.extended_fields.optional_fields = FILTER_TUNNEL_ID_FLAG;
	EXPECT(pfring_add_filtering_rule(r, &fr), PF_RING_ERROR_NOT_SUPPORTED, ENOTSUP);
	fr.extended_fields.optional_fields = 0;
	memcpy(fr.reflector_device_name, "nosuch0", 8);
	EXPECT(pfring_add_filtering_rule(r, &fr), PF_RING_ERROR_INVALID_ARGUMENT, ENODEV);
	/* the socket's own errors come back as they are */
	EXPECT(pfring_set_sampling_rate(r, 2), PF_RING_ERROR_GENERIC, ENOPROTOOPT);
	EXPECT(pfring_remove_bpf_filter(r), PF_RING_ERROR_INVALID_ARGUMENT, ENOENT);
	EXPECT(pfring_set_bpf_filter(r, "tcp"), PF_RING_ERROR_NOT_SUPPORTED, EOPNOTSUPP);
	CHECK(strstr(pfring_get_bpf_error(r), "link type"), "why: %s", pfring_get_bpf_error(r));
	/* another backend */
	EXPECT(pfring_set_sampling_rate(o, 2), PF_RING_ERROR_NOT_SUPPORTED, ENOTSUP);
	EXPECT(pfring_set_bpf_filter(o, "tcp"), PF_RING_ERROR_NOT_SUPPORTED, ENOTSUP);
	fake_ring_free(r);
	fake_ring_free(o);
}

static const u_char v4_10_1_2_3[4] = { 10, 1, 2, 3 };
static const u_char v4_ffff[4] = { 255, 255, 0, 0 };

static void test_rule_conversion(void)
{
	struct pf_ring_rule k;
	filtering_rule fr;
	ip_addr ip;
	u_char zero[16] = { 0 };

	memset(&fr, 0, sizeof(fr));
	fr.rule_id = 12;
	fr.rule_action = dont_forward_packet_and_stop_rule_evaluation;
	fr.balance_id = 1;
	fr.balance_pool = 3;
	fr.locked = 1;
	fr.bidirectional = 1;
	fr.core_fields.if_index = 7;
	fr.core_fields.vlan_id = 100;
	fr.core_fields.eth_type = 0x0800;
	fr.core_fields.proto = 17;
	fr.core_fields.sport_low = 1000;
	fr.core_fields.sport_high = 2000;
	fr.core_fields.dport_low = 53;
	fr.core_fields.dport_high = 53;
	fr.core_fields.tcp.flags = 0x12;
	fr.core_fields.smac[5] = 0xaa;
	fr.core_fields.dmac[0] = 0xbb;
	memset(&ip, 0, sizeof(ip));
	ip.v4 = 0x0a010203;		/* host order, as libpfring keeps IPv4 */
	fr.core_fields.shost = ip;
	ip.v4 = 0xffff0000;
	fr.core_fields.shost_mask = ip;
	memcpy(fr.extended_fields.payload_pattern, "GET ", 4);
	memcpy(fr.reflector_device_name, "lo", 3);
	EXPECT(pfring_filter_rule_to_kernel(&fr, &k), 0, 0);
	CHECK(k.rule_id == 12 && k.action == PF_RING_RULE_DONT_FORWARD, "id, action");
	CHECK(k.balance_id == 1 && k.balance_pool == 3 && k.locked && k.bidirectional, "flags");
	CHECK(k.ifindex == 7 && k.vlan_id == 100 && k.eth_type == 0x0800 && k.proto == 17, "l2");
	CHECK(k.sport_low == 1000 && k.sport_high == 2000 && k.dport_low == 53 &&
		k.dport_high == 53 && k.tcp_flags == 0x12, "ports");
	CHECK(k.smac[5] == 0xaa && k.dmac[0] == 0xbb, "macs");
	CHECK(k.ip_version == 4, "ip_version %u", k.ip_version);
	CHECK(memcmp(k.shost, v4_10_1_2_3, 4) == 0 && memcmp(k.shost + 4, zero, 12) == 0,
		"IPv4 host in network order");
	CHECK(memcmp(k.shost_mask, v4_ffff, 4) == 0, "IPv4 mask in network order");
	CHECK(memcmp(k.dhost_mask, zero, 16) == 0, "no destination");
	CHECK(k.payload_len == 4 && memcmp(k.payload, "GET ", 4) == 0, "payload");
	CHECK(k.reflector_ifindex == (int)if_nametoindex("lo"), "reflector");

	/* a 32-byte pattern has no NUL */
	memset(fr.extended_fields.payload_pattern, 'x', 32);
	EXPECT(pfring_filter_rule_to_kernel(&fr, &k), 0, 0);
	CHECK(k.payload_len == 32, "payload of 32: %u", k.payload_len);

	/* no masks: any version */
	memset(&fr.core_fields.shost, 0, sizeof(ip));
	memset(&fr.core_fields.shost_mask, 0, sizeof(ip));
	EXPECT(pfring_filter_rule_to_kernel(&fr, &k), 0, 0);
	CHECK(k.ip_version == 0, "no host: any version, got %u", k.ip_version);
	fr.extended_fields.optional_fields = FILTER_IPV4_HOSTS_FLAG;
	EXPECT(pfring_filter_rule_to_kernel(&fr, &k), 0, 0);
	CHECK(k.ip_version == 4, "IPv4 only, got %u", k.ip_version);
	fr.extended_fields.optional_fields = FILTER_IPV6_HOSTS_FLAG;
	EXPECT(pfring_filter_rule_to_kernel(&fr, &k), 0, 0);
	CHECK(k.ip_version == 6, "IPv6 only, got %u", k.ip_version);
	fr.extended_fields.optional_fields = FILTER_IPV6_HOSTS_FLAG | FILTER_IPV4_HOSTS_FLAG;
	INVALID(pfring_filter_rule_to_kernel(&fr, &k));

	/* IPv6: 2001:db8::/32 reads as IPv4 unless the flag says 6; /48 is IPv6 */
	fr.extended_fields.optional_fields = 0;
	memset(&ip, 0, sizeof(ip));
	inet_pton(AF_INET6, "2001:db8::", &ip.v6);
	fr.core_fields.dhost = ip;
	inet_pton(AF_INET6, "ffff:ffff::", &ip.v6);
	fr.core_fields.dhost_mask = ip;
	EXPECT(pfring_filter_rule_to_kernel(&fr, &k), 0, 0);
	CHECK(k.ip_version == 4, "a /32 IPv6 mask reads as IPv4, got %u", k.ip_version);
	fr.extended_fields.optional_fields = FILTER_IPV6_HOSTS_FLAG;
	EXPECT(pfring_filter_rule_to_kernel(&fr, &k), 0, 0);
	CHECK(k.ip_version == 6 && memcmp(k.dhost, &fr.core_fields.dhost.v6, 16) == 0 &&
		k.dhost_mask[3] == 0xff && k.dhost_mask[4] == 0, "IPv6 /32 with the flag");
	fr.extended_fields.optional_fields = 0;
	inet_pton(AF_INET6, "ffff:ffff:ffff::", &ip.v6);
	fr.core_fields.dhost_mask = ip;
	EXPECT(pfring_filter_rule_to_kernel(&fr, &k), 0, 0);
	CHECK(k.ip_version == 6, "IPv6 /48, got %u", k.ip_version);

	fr.rule_action = (rule_action_behaviour)9;
	INVALID(pfring_filter_rule_to_kernel(&fr, &k));
	fr.rule_action = forward_packet_and_stop_rule_evaluation;
	fr.extended_fields.optional_fields = FILTER_TUNNEL_ID_FLAG;
	EXPECT(pfring_filter_rule_to_kernel(&fr, &k), PF_RING_ERROR_NOT_SUPPORTED, ENOTSUP);
}

static void test_hash_rule_conversion(void)
{
	struct pf_ring_hash_rule k;
	hash_filtering_rule hr;
	ip_addr ip;

	memset(&hr, 0, sizeof(hr));
	memset(&ip, 0, sizeof(ip));
	ip.v4 = 0x0a010203;
	hr.host_peer_a = ip;
	hr.vlan_id = 5;
	hr.proto = 6;
	hr.port_peer_a = 1234;
	hr.port_peer_b = 80;
	hr.rule_action = reflect_packet_and_stop_rule_evaluation;
	memcpy(hr.reflector_device_name, "lo", 3);
	EXPECT(pfring_filter_hash_rule_to_kernel(&hr, 1, &k), 0, 0);
	CHECK(k.ip_version == 4, "ip_version 0 is 4, got %u", k.ip_version);
	CHECK(memcmp(k.host_a, v4_10_1_2_3, 4) == 0, "IPv4 in network order");
	CHECK(k.vlan_id == 5 && k.proto == 6 && k.port_a == 1234 && k.port_b == 80, "key");
	CHECK(k.action == PF_RING_RULE_REFLECT_AND_STOP, "action");
	CHECK(k.reflector_ifindex == (int)if_nametoindex("lo"), "reflector");
	/* a key to remove or look up: the device is not looked up */
	memcpy(hr.reflector_device_name, "nosuch0", 8);
	EXPECT(pfring_filter_hash_rule_to_kernel(&hr, 0, &k), 0, 0);
	CHECK(k.reflector_ifindex == 0, "no lookup");
	EXPECT(pfring_filter_hash_rule_to_kernel(&hr, 1, &k), PF_RING_ERROR_INVALID_ARGUMENT,
		ENODEV);
	hr.ip_version = 6;
	inet_pton(AF_INET6, "2001:db8::1", &ip.v6);
	hr.host_peer_b = ip;
	EXPECT(pfring_filter_hash_rule_to_kernel(&hr, 0, &k), 0, 0);
	CHECK(k.ip_version == 6 && k.host_b[0] == 0x20 && k.host_b[15] == 1, "IPv6");
	hr.ip_version = 5;
	INVALID(pfring_filter_hash_rule_to_kernel(&hr, 0, &k));
}

/* Ethernet + IPv4 + TCP or UDP, ports 1234 -> 80 */
static void frame(u_char *f, u_int8_t proto)
{
	memset(f, 0, 64);
	f[12] = 0x08;
	f[14] = 0x45;
	f[17] = 50;
	f[22] = 64;
	f[23] = proto;
	f[26] = 10; f[29] = 1;
	f[30] = 10; f[33] = 2;
	f[34] = 0x04; f[35] = 0xd2;
	f[36] = 0; f[37] = 80;
	f[46] = 0x50;
}

static void test_user_space_bpf(void)
{
	struct pfring_bpf_program prog = { 1, (void *)1 };
	u_char tcp[64], udp[64];

	frame(tcp, 6);
	frame(udp, 17);
	EXPECT(pfring_parse_bpf_filter("tcp dst port 80", 0, &prog), 0, 0);
	CHECK(prog.bf_len > 0 && prog.bf_insns, "a program");
	CHECK(pfring_bpf_filter(prog.bf_insns, tcp, 64, 64) != 0, "TCP to 80 matches");
	CHECK(pfring_bpf_filter(prog.bf_insns, udp, 64, 64) == 0, "UDP does not");
	pfring_free_bpf_filter(&prog);
	CHECK(prog.bf_len == 0 && prog.bf_insns == NULL, "freed");
	EXPECT(pfring_parse_bpf_filter("vlan 10 and udp", 128, &prog), 0, 0);
	CHECK(pfring_bpf_filter(prog.bf_insns, udp, 64, 64) == 0, "untagged is not vlan 10");
	pfring_free_bpf_filter(&prog);
	INVALID(pfring_parse_bpf_filter("tcp and and", 128, &prog));
	CHECK(prog.bf_len == 0 && prog.bf_insns == NULL, "nothing on failure");
	pfring_free_bpf_filter(&prog);
	INVALID(pfring_parse_bpf_filter(NULL, 128, &prog));
	CHECK(pfring_bpf_filter(NULL, tcp, 64, 64) == 0, "no program");
}

int main(void)
{
	test_null_ring();
	test_checks_before_the_kernel();
	test_rule_conversion();
	test_hash_rule_conversion();
	test_user_space_bpf();
	printf("%d checks, %d failures\n", checks, failures);
	return failures != 0;
}
"""


@pytest.fixture(scope="module")
def libpfring_a(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("cc") is None or shutil.which("make") is None:
        pytest.skip("no C compiler or make")
    build = tmp_path_factory.mktemp("libpfring")
    subprocess.run(["make", "-s", "-C", str(ROOT / "userland"), "lib", f"BUILD_DIR={build}"],
                   check=True, capture_output=True, text=True)
    return build / "lib/libpfring.a"


def test_c_filtering_api(libpfring_a: Path, tmp_path: Path) -> None:
    if not Path("/usr/include/pcap/pcap.h").is_file():
        pytest.skip("libpcap-dev is not installed ('invoke deps')")
    source = tmp_path / "filter_api.c"
    source.write_text(PROGRAM)
    exe = tmp_path / "filter_api"
    # libpfring.a and -lpthread only: libpcap is the library's to load
    built = subprocess.run(
        ["cc", "-Wall", "-Wextra", "-Werror", "-std=gnu11", "-D_GNU_SOURCE",
         f"-I{ROOT / 'userland/lib'}", f"-I{ROOT / 'kernel/include/uapi'}", str(source),
         str(libpfring_a), "-lpthread", "-o", str(exe)],
        capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    ran = subprocess.run([str(exe)], capture_output=True, text=True,
                         env={**os.environ, "PF_RING_QUIET": "1"})
    assert ran.returncode == 0 and " 0 failures" in ran.stdout, ran.stdout + ran.stderr


# ---- Python: Rule and HashRule through the binding -------------------------------------


def test_rule_values_libpfring_cannot_carry() -> None:
    with pytest.raises(ValueError, match="NUL"):
        Rule(payload=b"a\0b")
    with pytest.raises(ValueError, match="at most 8 bytes"):
        Rule(action=RuleAction.REFLECT_AND_STOP, reflector="a-long-device")
    with pytest.raises(ValueError, match="at most 8 bytes"):
        HashRule(host_a=ipaddress.ip_address("10.0.0.1"),
                 host_b=ipaddress.ip_address("10.0.0.2"), proto=6,
                 action=RuleAction.REFLECT_AND_STOP, reflector="a-long-device")


@pytest.fixture(scope="module")
def binding() -> tuple[Any, Any]:
    native = pytest.importorskip("pfring.native._pfring", reason="the binding is not built")
    if not hasattr(native.lib, "pfpy_rule_to_kernel"):
        pytest.skip("the binding predates the filtering calls: run 'invoke build'")
    return native.ffi, native.lib


def _to_kernel(binding: tuple[Any, Any], rule: Rule) -> Any:
    from pfring.ring_filter import rule_struct

    ffi, lib = binding
    out = ffi.new("struct pf_ring_rule *")
    assert lib.pfpy_rule_to_kernel(rule_struct(rule), out) == 0
    return out


def test_python_rule_ipv4(binding: tuple[Any, Any]) -> None:
    k = _to_kernel(binding, Rule(
        rule_id=3, action=RuleAction.DONT_FORWARD, proto=17,
        src=ipaddress.ip_network("10.1.0.0/16"), dport=(53, 53), vlan_id=7,
        smac="00:11:22:33:44:55", payload=b"abc", bidirectional=True))
    assert (k.rule_id, k.action, k.proto, k.vlan_id, k.bidirectional) == (3, 1, 17, 7, 1)
    assert k.ip_version == 4
    assert bytes(k.shost) == bytes([10, 1]) + bytes(14)
    assert bytes(k.shost_mask) == bytes([255, 255]) + bytes(14)
    assert bytes(k.dhost_mask) == bytes(16)
    assert (k.dport_low, k.dport_high, k.sport_low, k.sport_high) == (53, 53, 0, 0)
    assert bytes(k.smac) == bytes.fromhex("001122334455")
    assert bytes(k.payload)[: k.payload_len] == b"abc"


def test_python_rule_versions(binding: tuple[Any, Any]) -> None:
    k = _to_kernel(binding, Rule(dst=ipaddress.ip_network("2001:db8::/32")))
    assert k.ip_version == 6  # a /32 IPv6 network stays IPv6
    assert bytes(k.dhost) == ipaddress.ip_address("2001:db8::").packed
    assert _to_kernel(binding, Rule(ip_version=4)).ip_version == 4
    assert _to_kernel(binding, Rule(ip_version=6)).ip_version == 6
    assert _to_kernel(binding, Rule()).ip_version == 0


def test_python_rule_reflector(binding: tuple[Any, Any]) -> None:
    k = _to_kernel(binding, Rule(action=RuleAction.REFLECT_AND_STOP, reflector="lo"))
    assert k.reflector_ifindex == socket.if_nametoindex("lo")


def test_python_hash_rule(binding: tuple[Any, Any]) -> None:
    from pfring.ring_filter import hash_rule_struct

    ffi, lib = binding
    out = ffi.new("struct pf_ring_hash_rule *")
    rule = HashRule(host_a=ipaddress.ip_address("2001:db8::1"),
                    host_b=ipaddress.ip_address("2001:db8::2"), proto=6, port_a=1234,
                    port_b=80, vlan_id=9, action=RuleAction.DONT_FORWARD)
    assert lib.pfpy_hash_rule_to_kernel(hash_rule_struct(rule), out) == 0
    assert (out.ip_version, out.proto, out.port_a, out.port_b, out.vlan_id) == (6, 6, 1234, 80, 9)
    assert bytes(out.host_a) == rule.host_a.packed
    assert bytes(out.host_b) == rule.host_b.packed
    assert out.action == RuleAction.DONT_FORWARD

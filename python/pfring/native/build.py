# SPDX-License-Identifier: LGPL-2.1-or-later
"""cffi definitions of the binding (API mode: compiled against pfring.h, linked with
libpfring.a), and the build step 'invoke build' runs once libpfring is built."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from cffi import FFI  # type: ignore[import-untyped]

MODULE = "pfring.native._pfring"

CDEF = """
typedef struct __pfring pfring;
typedef struct { uint64_t recv; uint64_t drop; uint64_t shunt; } pfring_stat;
typedef enum { rx_and_tx_direction = 0, rx_only_direction, tx_only_direction }
    packet_direction;
typedef enum { send_and_recv_mode = 0, send_only_mode, recv_only_mode } socket_mode;
typedef enum {
    cluster_per_flow = 0, cluster_round_robin, cluster_per_flow_2_tuple,
    cluster_per_flow_4_tuple, cluster_per_flow_5_tuple, cluster_per_flow_tcp_5_tuple,
    cluster_per_inner_flow, cluster_per_inner_flow_2_tuple, cluster_per_inner_flow_4_tuple,
    cluster_per_inner_flow_5_tuple, cluster_per_inner_flow_tcp_5_tuple,
    cluster_per_flow_ip_5_tuple, cluster_per_inner_flow_ip_5_tuple,
    cluster_per_flow_ip_with_dup_tuple
} cluster_type;

#define PF_RING_PROMISC ...
#define PF_RING_REENTRANT ...
#define PF_RING_LONG_HEADER ...
#define PF_RING_TIMESTAMP ...
#define PF_RING_DO_NOT_PARSE ...

pfring *pfring_open(const char *device_name, uint32_t caplen, uint32_t flags);
void pfring_close(pfring *ring);
int pfring_enable_ring(pfring *ring);
int pfring_disable_ring(pfring *ring);
void pfring_breakloop(pfring *ring);
int pfring_stats(pfring *ring, pfring_stat *stats);
int pfring_poll(pfring *ring, unsigned int wait_duration);
int pfring_get_selectable_fd(pfring *ring);
int pfring_version(pfring *ring, uint32_t *version);
int pfring_set_direction(pfring *ring, packet_direction direction);
int pfring_set_socket_mode(pfring *ring, socket_mode mode);
int pfring_set_poll_watermark(pfring *ring, uint16_t watermark);
int pfring_set_poll_watermark_timeout(pfring *ring, uint16_t timeout);
int pfring_set_poll_duration(pfring *ring, unsigned int duration);
int pfring_set_application_name(pfring *ring, char *name);
#define PF_RING_ERROR_NO_TX_SLOT_AVAILABLE ...
int pfring_send(pfring *ring, char *pkt, unsigned int pkt_len, uint8_t flush_packet);
int pfring_send_ifindex(pfring *ring, char *pkt, unsigned int pkt_len, uint8_t flush_packet,
                        int if_index);
int pfring_flush_tx_packets(pfring *ring);
int pfring_set_tx_watermark(pfring *ring, uint16_t watermark);
int pfring_get_bound_device_address(pfring *ring, unsigned char mac_address[6]);
int pfring_get_bound_device_ifindex(pfring *ring, int *if_index);
uint8_t pfring_get_num_rx_channels(pfring *ring);
int pfring_enable_rss_rehash(pfring *ring);
int pfring_set_capture_only(pfring *ring, uint8_t enable);
int pfring_get_link_status(pfring *ring);
uint32_t pfring_get_interface_speed(pfring *ring);
int pfring_get_mtu_size(pfring *ring);
int pfring_get_caplen(pfring *ring);
int pfring_set_cluster(pfring *ring, unsigned int clusterId, cluster_type the_type);
int pfring_set_cluster_consumer(pfring *ring, uint16_t cluster_id, uint16_t queue_id,
                                cluster_type the_type, uint32_t options);
int pfring_remove_from_cluster(pfring *ring);
int pfring_set_reflector_device(pfring *ring, char *device_name);
int pfring_set_bounce(pfring *ring, uint8_t on);
uint32_t pfring_get_ring_id(pfring *ring);

/* in-kernel filtering (linux/pf_ring.h, "Filtering"; pfring/ring_filter.py) */
typedef enum { hardware_and_software = 0, hardware_only, software_only } filtering_mode;
struct pf_ring_stats { uint64_t recv; uint64_t drop; uint64_t filtered; uint64_t sampled_out; };
struct pf_ring_filter_info {
    uint32_t num_rules; uint32_t num_hash_rules; uint32_t policy; uint32_t sampling_rate;
    uint32_t filtering_sampling_rate; uint32_t bpf; uint32_t last_rule_id; uint32_t pad0;
    uint64_t hash_match; uint64_t hash_miss; uint64_t hash_rules_not_added;
};
struct pf_ring_rule {
    uint16_t rule_id; uint8_t action; uint8_t balance_id; uint8_t balance_pool;
    uint8_t locked; uint8_t bidirectional; uint8_t proto; int32_t ifindex;
    int32_t reflector_ifindex; uint8_t smac[6]; uint8_t dmac[6]; uint16_t vlan_id;
    uint16_t eth_type; uint8_t ip_version; uint8_t tcp_flags; uint8_t payload_len;
    uint8_t pad0; uint16_t sport_low; uint16_t sport_high; uint16_t dport_low;
    uint16_t dport_high; uint8_t shost[16]; uint8_t shost_mask[16]; uint8_t dhost[16];
    uint8_t dhost_mask[16]; uint8_t payload[32];
};
struct pf_ring_hash_rule {
    uint16_t vlan_id; uint8_t ip_version; uint8_t proto; uint8_t host_a[16];
    uint8_t host_b[16]; uint16_t port_a; uint16_t port_b; uint8_t action; uint8_t pad0[3];
    int32_t reflector_ifindex;
};
int pfring_set_bpf_filter(pfring *ring, const char *filter_buffer);
int pfring_remove_bpf_filter(pfring *ring);
const char *pfring_get_bpf_error(pfring *ring);
int pfring_set_sampling_rate(pfring *ring, uint32_t rate);
int pfring_set_filtering_sampling_rate(pfring *ring, uint32_t rate);
int pfring_toggle_filtering_policy(pfring *ring, uint8_t rules_default_accept_policy);
int pfring_set_filtering_mode(pfring *ring, filtering_mode mode);
int pfring_remove_filtering_rule(pfring *ring, uint16_t rule_id);
int pfring_purge_idle_rules(pfring *ring, uint16_t inactivity_sec);
int pfring_purge_idle_hash_rules(pfring *ring, uint16_t inactivity_sec);
int pfring_get_filtering_info(pfring *ring, struct pf_ring_filter_info *info);
int pfring_get_stats_ext(pfring *ring, struct pf_ring_stats *stats);

"""


def glue_cdef(glue: str) -> str:
    """The declarations glue.h marks for cffi (between cdef-begin and cdef-end)."""
    start = glue.index("/* cdef-begin")
    start = glue.index("\n", start) + 1
    return glue[start : glue.index("/* cdef-end */")]


def make_ffi(repo: Path, libpfring_a: Path) -> FFI:
    glue = resources.files("pfring.native").joinpath("glue.h").read_text()
    ffi = FFI()
    ffi.cdef(CDEF + glue_cdef(glue))
    ffi.set_source(
        MODULE,
        glue,
        include_dirs=[str(repo / "userland/lib"), str(repo / "kernel/include/uapi")],
        extra_objects=[str(libpfring_a)],
        libraries=["pthread"],
        extra_compile_args=["-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter"],
    )
    return ffi


def build_extension(repo: Path, build_dir: Path) -> Path:
    """Compile the extension against the built libpfring.a; it lands beside this file."""
    libpfring_a = build_dir / "user/lib/libpfring.a"
    if not libpfring_a.is_file():
        raise FileNotFoundError(f"{libpfring_a} is missing: build the userland first")
    tmp = build_dir / "python"
    tmp.mkdir(parents=True, exist_ok=True)
    built = Path(make_ffi(repo, libpfring_a).compile(tmpdir=str(tmp), verbose=False))
    target = Path(__file__).with_name(built.name)
    # A new file renamed over the old one: a process that has the old one mapped (a
    # guest still running tests) keeps it intact.
    staging = target.with_suffix(".new")
    shutil.copy2(built, staging)
    staging.replace(target)
    return target

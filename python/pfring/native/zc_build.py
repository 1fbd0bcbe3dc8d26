# SPDX-License-Identifier: LGPL-2.1-or-later
"""cffi definitions of the ZC binding pfring.native._pfring_zc (API mode: compiled against
pfring_zc.h, linked with libpfring_zc.a), used by pfring.zc; built by 'invoke build' beside
the libpfring binding, or by the tests against their own install."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from cffi import FFI  # type: ignore[import-untyped]

from pfring.native.build import glue_cdef

MODULE = "pfring.native._pfring_zc"

CDEF = """
typedef void pfring_zc_cluster;
typedef void pfring_zc_queue;
typedef void pfring_zc_buffer_pool;
typedef enum { rx_only, tx_only, management_only } pfring_zc_queue_mode;
typedef struct { uint64_t recv; uint64_t sent; uint64_t drop; } pfring_zc_stat;
typedef struct { uint32_t tv_sec; uint32_t tv_nsec; } pfring_zc_timespec;
typedef struct {
    uint16_t len; uint16_t flags; uint32_t hash; pfring_zc_timespec ts; ...;
} pfring_zc_pkt_buff;
typedef struct { uint32_t buffer_len; uint32_t metadata_len; } pfring_zc_queue_info;

#define PF_RING_ZC_CLUSTER_NO_HUGEPAGES ...

pfring_zc_cluster *pfring_zc_create_cluster(uint32_t cluster_id, uint32_t buffer_len,
    uint32_t metadata_len, uint32_t tot_num_buffers, int32_t numa_node_id,
    const char *hugepages_mountpoint, uint32_t flags);
void pfring_zc_destroy_cluster(pfring_zc_cluster *cluster);
uint32_t pfring_zc_get_cluster_id(pfring_zc_cluster *cluster);
pfring_zc_pkt_buff *pfring_zc_get_packet_handle(pfring_zc_cluster *cluster);
void pfring_zc_release_packet_handle(pfring_zc_cluster *cluster, pfring_zc_pkt_buff *h);
pfring_zc_queue *pfring_zc_create_queue(pfring_zc_cluster *cluster, uint32_t queue_len);
int pfring_zc_create_queue_pool_pair(pfring_zc_cluster *cluster, uint32_t queue_len,
    uint32_t pool_len, pfring_zc_queue **queue, pfring_zc_buffer_pool **pool);
uint32_t pfring_zc_get_queue_id(pfring_zc_queue *queue);
void pfring_zc_get_queue_settings(pfring_zc_queue *queue, pfring_zc_queue_info *info);
pfring_zc_pkt_buff *pfring_zc_get_packet_handle_from_pool(pfring_zc_buffer_pool *pool);
void pfring_zc_release_packet_handle_to_pool(pfring_zc_buffer_pool *pool,
    pfring_zc_pkt_buff *h);
int pfring_zc_stats(pfring_zc_queue *queue, pfring_zc_stat *stats);
void pfring_zc_sync_queue(pfring_zc_queue *queue, pfring_zc_queue_mode direction);
void pfring_zc_queue_breakloop(pfring_zc_queue *queue);
void pfring_zc_ipc_init(const char *hugepages_mountpoint);
pfring_zc_queue *pfring_zc_ipc_attach_queue(uint32_t cluster_id, uint32_t queue_id,
    pfring_zc_queue_mode queue_mode);
void pfring_zc_ipc_detach_queue(pfring_zc_queue *queue);
pfring_zc_buffer_pool *pfring_zc_ipc_attach_buffer_pool(uint32_t cluster_id, uint32_t pool_id);
void pfring_zc_ipc_detach_buffer_pool(pfring_zc_buffer_pool *pool);
"""


def make_ffi(include_dirs: list[Path], libpfring_zc_a: Path) -> FFI:
    """include_dirs hold pfring_zc.h and the pfring.h and linux/pf_ring.h it includes (an
    install's include/, or the tree's userland/zc, userland/lib and kernel/include/uapi)."""
    glue = resources.files("pfring.native").joinpath("zc_glue.h").read_text()
    ffi = FFI()
    ffi.cdef(CDEF + glue_cdef(glue))
    ffi.set_source(
        MODULE,
        glue,
        include_dirs=[str(d) for d in include_dirs],
        extra_objects=[str(libpfring_zc_a)],
        libraries=["pthread"],
        extra_compile_args=["-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter"],
    )
    return ffi


def compile_extension(include_dirs: list[Path], libpfring_zc_a: Path, tmpdir: Path) -> Path:
    """Compile the extension in tmpdir; returns the module file."""
    if not libpfring_zc_a.is_file():
        raise FileNotFoundError(f"{libpfring_zc_a} is missing: build the userland first")
    tmpdir.mkdir(parents=True, exist_ok=True)
    return Path(make_ffi(include_dirs, libpfring_zc_a).compile(tmpdir=str(tmpdir),
                                                                verbose=False))


def build_extension(repo: Path, build_dir: Path) -> Path:
    """Compile against the built libpfring_zc.a; the module lands beside this file."""
    tree = [repo / "userland/zc", repo / "userland/lib", repo / "kernel/include/uapi"]
    built = compile_extension(tree, build_dir / "user/lib/libpfring_zc.a",
                              build_dir / "python_zc")
    target = Path(__file__).with_name(built.name)
    staging = target.with_suffix(".new")  # renamed over the old one, as build.py does
    shutil.copy2(built, staging)
    staging.replace(target)
    return target

# SPDX-License-Identifier: LGPL-2.1-or-later
"""The results as a PNG: generator ratio and CPU ratio per consumer and scenario, the
capture cost of n rings against one, and the generator ratio of a pf_ring cluster and a
fanout group of N members."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pfring.bench.consumers import (
    CLUSTER,
    CONSUMERS,
    FANOUT,
    LABELS,
    OTHER_DEVICE,
    TX_CAPTURE_OFF,
)


def render(doc: dict[str, Any], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = doc["scenarios"]
    places = list(dict.fromkeys(f"{r['link']} {r['size']} B" for r in rows))
    fig, axes = plt.subplots(1, 4, figsize=(20, 5), width_ratios=(3, 3, 2, 2))
    # the rings that must cost nothing: a generator ratio only
    shown = (*CONSUMERS, OTHER_DEVICE, TX_CAPTURE_OFF)
    width = 0.8 / len(shown)
    for i, consumer in enumerate(shown):
        ratios, cpus = [], []
        for place in places:
            row = next((r for r in rows if f"{r['link']} {r['size']} B" == place
                        and r["consumer"] == consumer), None)
            gen = row["generator_ratio"] if row else None
            ratios.append(gen["median"] if gen else 0.0)
            cpus.append((row or {}).get("cpu_ratio_vs_tpv3") or 0.0)
        xs = [x + i * width for x in range(len(places))]
        axes[0].bar(xs, ratios, width, label=LABELS[consumer])
        axes[1].bar(xs, cpus, width, label=LABELS[consumer])
    for ax, title in ((axes[0], "generator rate with capture / without"),
                      (axes[1], "consumer CPU per packet / TPACKET_V3")):
        ax.set_xticks([x + 0.4 - width / 2 for x in range(len(places))],
                      [p.replace(" ", "\n", 1) for p in places])
        ax.set_title(title)
    axes[0].axhline(0.9, color="grey", linestyle="--", linewidth=1)
    axes[0].legend(fontsize=7, loc="lower left")
    scale = [r for r in doc["scaling"] if r["cost_vs_one"] is not None]
    if scale:
        ns = [r["rings"] for r in scale]
        axes[2].plot(ns, [r["cost_vs_one"] for r in scale], "o-", label="measured")
        axes[2].plot(ns, ns, ":", color="grey", label="n x one ring")
        axes[2].axhline(8.5, color="red", linestyle="--", linewidth=1, label="target at 8")
        axes[2].set_xticks(ns)
        axes[2].legend(fontsize=8)
    axes[2].set_title("pf_ring: cost of n rings / one ring")
    axes[2].set_xlabel("rings")
    groups = doc.get("cluster") or []
    for (consumer, plain), style in zip(((CLUSTER, "pfring-c"), (FANOUT, "tpacket-v3")),
                                        ("o-", "s--"), strict=True):
        rows = [r for r in groups if r["consumer"] == consumer and r["generator_ratio"]]
        if rows:
            axes[3].plot([r["members"] for r in rows],
                         [r["generator_ratio"]["median"] for r in rows], style,
                         label=LABELS[consumer])
        alone = next((r for r in groups if r["consumer"] == plain
                      and r["generator_ratio"]), None)
        if alone:
            axes[3].axhline(alone["generator_ratio"]["median"], linestyle=":",
                            color="C0" if consumer == CLUSTER else "C1", linewidth=1,
                            label=f"{LABELS[plain]}, no group")
    if groups:
        axes[3].set_xticks(sorted({r["members"] for r in groups if r["members"]}))
        axes[3].set_ylim(bottom=0)
        axes[3].legend(fontsize=7, loc="lower right")
    axes[3].set_title("flows shared by N members:\ngenerator rate with / without")
    axes[3].set_xlabel("members")
    fig.suptitle(f"invoke bench: {doc['kernel']}, {doc['date']} "
                 f"({'quick' if doc['quick'] else 'full'}), same-boot ratios under TCG")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path

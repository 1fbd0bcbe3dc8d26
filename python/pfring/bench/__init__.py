# SPDX-License-Identifier: LGPL-2.1-or-later
"""`invoke bench`: the cost of capture through PF_RING against AF_PACKET TPACKET_V3 and
libpcap, measured side by side in one lab boot and reported as ratios.

guest.py runs every scenario inside the guest and writes the raw numbers; summary.py
turns them into medians, ratios and targets; report.py writes the results file, the table,
the README section and the plot; host.py ties the boot and the report together.
"""

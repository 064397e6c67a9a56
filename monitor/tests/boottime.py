#!/usr/bin/env python3
"""Boot time of kiln-kvm beside this machine's floor, measured in one run.

    monitor/tests/boottime.py [RUNS] [MIB]

Runs, interleaved, RUNS times each: the floor (a VM of MIB MiB running one
HLT, monitor/tests/floor.c), kiln-kvm with the minimal test guest ("exit
0": its boot touches a text page, a stack page and the boot-info page) and
with "hello". Exec to exit, as a shell would see it. Prints median and p90
in microseconds and the ratio to the floor. Needs monitor/tests/build.sh
run into build/monitor-tests first. Not a test: it compares and prints.
"""
import os
import statistics
import subprocess
import sys
import time

root = os.path.dirname(os.path.abspath(__file__)) + "/../.."
guests = root + "/build/monitor-tests"
runs = int(sys.argv[1]) if len(sys.argv) > 1 else 50
mib = sys.argv[2] if len(sys.argv) > 2 else "32"
cmds = {
    "floor (one HLT)": [guests + "/floor", "--mem=" + mib],
    "kiln-kvm exit 0": [root + "/bin/kiln-kvm", "--mem=" + mib,
                        guests + "/guest.elf", "exit", "0"],
    "kiln-kvm hello": [root + "/bin/kiln-kvm", "--mem=" + mib,
                       guests + "/guest.elf", "hello", "a", "b"],
}
extra = os.environ.get("BOOTTIME_EXTRA")  # "name=cmd args" for experiments
if extra:
    name, cmd = extra.split("=", 1)
    cmds[name] = cmd.split()
times = {k: [] for k in cmds}
for _ in range(runs):
    for name, cmd in cmds.items():
        t = time.perf_counter_ns()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
        times[name].append((time.perf_counter_ns() - t) / 1000)
floor = statistics.median(times["floor (one HLT)"])
for name, v in times.items():
    v.sort()
    med = statistics.median(v)
    print(f"{name:20s} median {med:7.0f} us  p90 {v[int(len(v) * 0.9)]:7.0f} us"
          f"  {med / floor:4.2f}x floor")

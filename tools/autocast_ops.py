#!/usr/bin/env python3
"""Prints the ops that the installed PyTorch's autocast handles, one per line:
"<AutocastCUDA|AutocastCPU> <op.overload>". ember's lists (src/amp/autocast.cpp, Note [Autocast])
follow PyTorch 1.13's (Debian's python3-torch: /usr/bin/python3 tools/autocast_ops.py); run it on
the device machine with PyTorch 2.x (tools/gpu_session.sh does) and diff the two to see what 2.x
added. Lists op names only: the policies (fp32, lower, promote, ...) are in PyTorch's
aten/src/ATen/autocast_mode.cpp."""
import sys

import torch


def main():
    names = set()
    for s in torch._C._jit_get_all_schemas():
        names.add(s.name + ("." + s.overload_name if s.overload_name else ""))
    rows = []
    for name in sorted(names):
        try:
            dump = torch._C._dispatch_dump(name)
        except Exception:  # an op without a dispatcher entry
            continue
        for line in dump.splitlines():
            key = line.split(":", 1)[0]
            if key in ("AutocastCUDA", "AutocastCPU") and "fallthrough" not in line:
                rows.append(f"{key} {name}")
    sys.stdout.write(f"# torch {torch.__version__}\n")
    sys.stdout.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()

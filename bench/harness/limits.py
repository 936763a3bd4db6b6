"""The open-file limit: every connection is a descriptor on both sides, and children inherit it."""
from __future__ import annotations

import resource


def raise_fd_limit(wanted: int = 65536) -> int:
    """Raise RLIMIT_NOFILE towards `wanted` (root may raise the hard limit too); return the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for new_soft, new_hard in ((wanted, max(wanted, hard)), (min(wanted, hard), hard)):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (max(new_soft, soft), new_hard))
            return max(new_soft, soft)
        except (ValueError, OSError):
            continue
    return soft

"""A shared budget's local fallback: each process's share of the limits while Redis is lost.

With N processes last seen on a budget, each keeps to 1/N of every limit, starting from
1/N of the window's shared use it last saw; the exchange's usage headers (the IP's or the
account's totals) count as 1/N each too. Together the processes then stay under the limit
going forward, without talking to each other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from execution.exchange.rate_limit import WEIGHT, Budget


def _members_of(budget: Budget, members: tuple[int, int]) -> int:
    return max(1, members[0] if budget.kind == WEIGHT else members[1])


def local_shares(
    limits: Sequence[Budget], seen: Sequence[tuple[int, int]], members: tuple[int, int]
) -> list[Budget]:
    """Each limit divided among the processes last seen on it (`members`: on the IP's
    and on the account's budget), this window's shared use (`seen`: window, used) too."""
    shares = []
    for budget, (window, used) in zip(limits, seen, strict=True):
        count = _members_of(budget, members)
        shares.append(Budget(budget.kind, budget.interval_s, max(1, budget.limit // count),
                             used=-(-used // count), window=window))
    return shares


def scaled_usage(
    headers: Mapping[str, str], by_header: Mapping[str, int], limits: Sequence[Budget],
    members: tuple[int, int],
) -> dict[str, str]:
    """Usage headers (`by_header`: lower-case name -> budget index) as one process's share
    of them: the totals divided by the processes on each budget, rounded up."""
    scaled = {}
    for name, index in by_header.items():
        value = headers.get(name)
        if value is not None and value.isdigit():
            count = _members_of(limits[index], members)
            scaled[name] = str(-(-int(value) // count))
    return scaled

"""How often two different clients share a rate-limit key within one hour.

Each trial takes ``n`` distinct random clients (70 % IPv4 addresses, 30 % IPv6 addresses in
distinct /64s, like a mixed population), keys each with the real ``tuidang.privacy.client_key``
in one hour, and counts the clients whose key some other client of that hour also has (they
share a rate limit) and the colliding pairs. Each trial is a later hour of the same ratchet, as
in production. Several key widths are measured in the same run, each beside the figure the
birthday bound predicts. Usage (results in bench/RESULTS.md)::

    .venv/bin/python bench/client_keys.py --clients 1000 100000 --bits 16 20 24
"""

import argparse
import ipaddress
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tuidang import privacy

HOUR = 3600


def random_clients(n: int, rng: random.Random) -> list[str]:
    v4 = int(n * 0.7)
    addresses = {str(ipaddress.IPv4Address(a)) for a in rng.sample(range(1 << 32), v4)}
    networks = rng.sample(range(1 << 48), n - v4)  # distinct /64s inside 2000::/16
    for network in networks:
        value = (0x2000 << 112) | (network << 64) | rng.getrandbits(64)
        addresses.add(str(ipaddress.IPv6Address(value)))
    return list(addresses)


def trial(clients: list[str], bits: int, now: float) -> tuple[int, int]:
    """(clients sharing their key with another, colliding pairs) in the hour of ``now``."""
    counts = Counter(privacy.client_key(address, bits=bits, now=now) for address in clients)
    sharing = sum(c for c in counts.values() if c > 1)
    pairs = sum(c * (c - 1) // 2 for c in counts.values())
    return sharing, pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--bits", type=int, nargs="+", default=[16, 20, 24])
    parser.add_argument("--hashes", type=int, default=1_000_000, help="keys per (n, bits)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    hour = privacy.current_hour() + 1
    print(f"configured width: {privacy.KEY_BITS} bits")
    print(
        f"{'clients/h':>10} {'bits':>4} {'IPv4/key':>9} {'trials':>6} "
        f"{'sharing':>9} {'expected':>9} {'pairs/h':>9} {'expected':>9} {'us/key':>7}"
    )
    for n in args.clients:
        trials = max(3, args.hashes // n)
        populations = [random_clients(n, rng) for _ in range(trials)]
        for bits in args.bits:
            sharing = pairs = 0
            started = time.process_time()
            for population in populations:
                hour += 1  # a fresh hour's key, as the ratchet moves on
                s, p = trial(population, bits, hour * HOUR)
                sharing += s
                pairs += p
            cpu = time.process_time() - started
            m = 2**bits
            expected_share = 1 - (1 - 1 / m) ** (n - 1)
            expected_pairs = n * (n - 1) / 2 / m
            print(
                f"{n:>10,} {bits:>4} {2 ** (32 - bits):>9,} {trials:>6} "
                f"{sharing / trials / n:>9.3%} {expected_share:>9.3%} "
                f"{pairs / trials:>9.1f} {expected_pairs:>9.1f} {cpu / trials / n * 1e6:>7.2f}"
            )


if __name__ == "__main__":
    main()

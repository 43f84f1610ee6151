import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import pcap_traffic as traffic  # noqa: E402  (the helpers live beside this file)
from pcap_packets import capture  # noqa: E402


@pytest.fixture(scope="session")
def scenario(tmp_path_factory) -> Path:
    """Background browsing plus one of each signal: WoL, documented trigger, novel knock, beacon, DNS tunnel."""
    rng = random.Random(1234)
    datagrams = traffic.background(rng)
    datagrams += traffic.wake_on_lan(traffic.START + 600)
    datagrams += traffic.tenda_trigger(traffic.START + 900)
    datagrams += traffic.knock_and_connect_back(traffic.START + 1500, rng)
    datagrams += traffic.beacon(rng)
    datagrams += traffic.dns_tunnel(rng)
    return capture(tmp_path_factory.mktemp("scenario") / "scenario.pcap", datagrams)


@pytest.fixture(scope="session")
def background_only(tmp_path_factory) -> Path:
    rng = random.Random(99)
    return capture(tmp_path_factory.mktemp("background") / "background.pcap", traffic.background(rng, visits=600))

"""The source IP a client sends from (`local_address`): the exchange counts request weight
and bans per IP, so two processes on two addresses of one machine (or two hosts) are two
clients to it. Over loopback the whole 127.0.0.0/8 is local, so 127.0.0.2 is a second
host's address without any network set-up."""

from __future__ import annotations

from typing import Any

import pytest

from execution.errors import IpBannedError, ValidationError
from execution.exchange.asterdex import AsterDEXExchange
from execution.exchange.factory import create_exchange
from execution.simulator import SimulatedExchange
from execution.simulator.testing import credentials_for


def _client(sim: SimulatedExchange, **options: Any) -> AsterDEXExchange:
    return AsterDEXExchange(
        credentials_for(sim, "hmac"), rest_urls=sim.rest_urls, ws_url=sim.ws_url,
        dotenv_path=None, timeout=5.0, **options,
    )


@pytest.mark.parametrize("bad", ["", "localhost", "127.0.0.300", "::g", 127])
def test_a_local_address_that_is_not_an_ip_is_refused_naming_the_field(
    simulator: SimulatedExchange, bad: Any
) -> None:
    with pytest.raises(ValidationError) as caught:
        _client(simulator, local_address=bad)
    assert caught.value.field == "local_address"
    assert len(simulator.request_log) == 0  # nothing sent


def test_the_factory_passes_the_local_address_through(simulator: SimulatedExchange) -> None:
    client = create_exchange("asterdex", credentials=credentials_for(simulator, "hmac"),
                             rest_urls=simulator.rest_urls, dotenv_path=None,
                             local_address="127.0.0.2")
    assert isinstance(client, AsterDEXExchange)
    assert client.transport.local_address == "127.0.0.2"


async def test_a_ban_of_one_source_ip_leaves_a_client_on_another_trading(
    simulator: SimulatedExchange,
) -> None:
    """A client bound to 127.0.0.1 is banned (the simulator bans the addresses it has
    seen); one bound to 127.0.0.2 connects, streams and trades on: its requests come from
    the other address (REST and the user stream's WebSocket alike)."""
    first = _client(simulator, local_address="127.0.0.1")
    await first.connect()
    try:
        await first.server_time()
        assert simulator.ban_clients(60) == 1  # only 127.0.0.1 was seen
        with pytest.raises(IpBannedError):
            await first.server_time()
        second = _client(simulator, local_address="127.0.0.2")
        async with second:
            await second.server_time()
            await second.start_user_stream(lambda event: None)
            assert second.user_stream_connected
            assert await second.get_open_orders("BTCUSDT") == []
        assert simulator.ban_clients(60) == 2  # now both addresses were seen
    finally:
        simulator.lift_bans()
        await first.close()

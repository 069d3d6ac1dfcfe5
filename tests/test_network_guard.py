"""The autouse guard really blocks non-loopback connections and keeps loopback open."""

from __future__ import annotations

import os
import socket
import threading

import pytest

from tests.conftest import NetworkBlocked


def test_non_loopback_connection_is_blocked() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(NetworkBlocked):
            sock.connect(("93.184.216.34", 80))
    finally:
        sock.close()


def test_dns_lookup_of_remote_host_is_blocked() -> None:
    with pytest.raises(NetworkBlocked):
        socket.getaddrinfo("example.com", 443)


def test_loopback_connection_is_allowed() -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    accepted: list[bool] = []
    thread = threading.Thread(target=lambda: accepted.append(bool(server.accept())))
    thread.start()
    client = socket.create_connection(("127.0.0.1", port), timeout=5)
    thread.join(timeout=5)
    client.close()
    server.close()
    assert accepted == [True]


def test_api_keys_are_removed() -> None:
    assert "OPENAI_API_KEY" not in os.environ
    assert os.environ.get("HF_HUB_OFFLINE") == "1"

"""Refuse network connections to anything but this machine, in every Python the tests start.

pytest-socket guards the test process itself (pyproject.toml's --allow-hosts). The notebooks
nbval and papermill run, and any other program the tests start, are other processes:
tests/conftest.py puts this folder first on their PYTHONPATH, so each imports this module at
start-up and gets the same rule. Only loopback addresses and local (unix) sockets connect.
"""

import ipaddress
import socket


class NetworkBlockedError(ConnectionRefusedError):
    """A connection to another machine, refused: the course's tests run offline."""


_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex


def _local(sock, address):
    """Return whether a connection to address stays on this machine."""
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return True  # unix sockets, socket pairs: local by nature
    host = address[0] if isinstance(address, tuple) else address
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost


def _refuse(address):
    raise NetworkBlockedError(f"The course's tests run offline: a connection to {address!r} "
                              "was refused (only this machine, localhost, is allowed).")


def _guarded_connect(sock, address):
    if not _local(sock, address):
        _refuse(address)
    return _connect(sock, address)


def _guarded_connect_ex(sock, address):
    if not _local(sock, address):
        _refuse(address)
    return _connect_ex(sock, address)


socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect_ex

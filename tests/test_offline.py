"""Offline by construction: no test, and no process a test starts, reaches another machine."""

import socket
import subprocess
import sys
import threading

import nbformat
import pytest
from nbclient import NotebookClient
from pytest_socket import SocketConnectBlockedError

from booktools import instructor

ELSEWHERE = ("192.0.2.1", 80)  # TEST-NET-1: an address reserved for documentation
CONNECT = f"import socket\nsocket.create_connection({ELSEWHERE!r}, timeout=5)"


def test_the_test_process_cannot_connect_elsewhere():
    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(ELSEWHERE, timeout=5)


def test_this_machine_is_reachable_from_a_test_and_from_a_process_it_starts():
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        accepted = threading.Thread(target=lambda: server.accept()[0].close())
        accepted.start()
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        accepted.join(timeout=5)
        threading.Thread(target=lambda: server.accept()[0].close(), daemon=True).start()
        code = f"import socket\nsocket.create_connection(('localhost', {port}), timeout=5)"
        subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_a_process_a_test_starts_cannot_connect_elsewhere():
    done = subprocess.run([sys.executable, "-c", CONNECT], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0
    assert "NetworkBlockedError: The course's tests run offline" in done.stderr
    assert "192.0.2.1" in done.stderr


def test_a_notebook_kernel_cannot_connect_elsewhere(tmp_path, monkeypatch):
    kernel = instructor.find_kernel(tmp_path)  # this Python, as nbval's and papermill's kernels
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / ".kernels"))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CONNECT)])
    NotebookClient(notebook, kernel_name=kernel, allow_errors=True, timeout=120).execute()
    (error,) = [o for o in notebook.cells[0].outputs if o.output_type == "error"]
    assert error.ename == "NetworkBlockedError" and "192.0.2.1" in error.evalue

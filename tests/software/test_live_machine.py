"""The software collectors on the machine running the tests, checked against the distribution's own tools."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from doorwatch.collect import dpkg, listening, python_packages
from doorwatch.collect.machine import MachineRoot

needs_dpkg = pytest.mark.skipif(shutil.which("dpkg-query") is None or not Path("/var/lib/dpkg/status").exists(), reason="not a dpkg system")


@pytest.fixture(scope="module")
def live() -> MachineRoot:
    return MachineRoot("/")


def installed_by_dpkg_query() -> dict[str, str]:
    output = subprocess.run(["dpkg-query", "-W", "-f", "${db:Status-Abbrev}\t${Package}\t${Version}\n"], capture_output=True, text=True, check=True).stdout
    return {name: version for status, name, version in (line.split("\t") for line in output.splitlines()) if status.startswith("ii")}


@needs_dpkg
def test_dpkg_packages_match_dpkg_query(live):
    expected = installed_by_dpkg_query()
    found = {component.name: component.properties["version"] for component in dpkg.collect(live)}
    assert found == expected


@needs_dpkg
def test_python_distributions_shipped_by_debian_packages_are_found(live):
    packages = {component.ids["pypi"]: component for component in python_packages.collect(live)}
    debian = installed_by_dpkg_query()
    checked = 0
    for deb_name, pypi_name in (("python3-yaml", "pyyaml"), ("python3-six", "six"), ("python3-requests", "requests"), ("python3-cryptography", "cryptography")):
        if deb_name in debian:
            assert debian[deb_name].split(":")[-1].startswith(packages[pypi_name].properties["version"])
            checked += 1
    if not checked:
        pytest.skip("none of the reference Python packages is installed from Debian")


def listener_by_ref(live: MachineRoot, ref: str):
    found = {component.ref: component for component in listening.collect(live)}
    assert ref in found, f"{ref} not among {sorted(found)}"
    return found[ref]


def test_our_own_tcp_and_udp_listeners_name_this_python(live):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        tcp.bind(("127.0.0.1", 0))
        tcp.listen()
        udp.bind(("127.0.0.1", 0))
        for sock, protocol in ((tcp, "tcp"), (udp, "udp")):
            port = sock.getsockname()[1]
            service = listener_by_ref(live, f"listen:{protocol}:127.0.0.1:{port}")
            assert service.kind == "service"
            assert service.properties["pid"] == os.getpid()
            assert service.properties["exe"] == os.path.realpath(sys.executable)
            assert service.properties["port"] == port


def test_a_closed_listener_is_gone(live):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
        tcp.bind(("127.0.0.1", 0))
        tcp.listen()
        port = tcp.getsockname()[1]
    assert f"listen:tcp:127.0.0.1:{port}" not in {component.ref for component in listening.collect(live)}


@needs_dpkg
def test_listener_of_a_packaged_program_names_its_package(live):
    system_python = os.path.realpath("/usr/bin/python3")
    owner = subprocess.run(["dpkg-query", "-S", system_python], capture_output=True, text=True)
    if owner.returncode != 0:
        pytest.skip("/usr/bin/python3 is not from a dpkg package")
    expected_package = owner.stdout.split(":")[0]
    server = subprocess.Popen(
        [system_python, "-c", "import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        port = int(server.stdout.readline())
        service = listener_by_ref(live, f"listen:tcp:127.0.0.1:{port}")
        assert service.properties["pid"] == server.pid
        assert service.properties["exe"] == system_python
        assert service.properties["package"] == expected_package
        assert service.name == f"{service.properties['process']} (tcp/{port})"
    finally:
        server.stdin.close()
        server.wait(timeout=10)


def test_workers_sharing_a_port_make_one_listener(live):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        tcp.bind(("127.0.0.1", 0))
        tcp.listen()
        port = tcp.getsockname()[1]
        # A second process listens on the same address, as the workers of a pre-forking server do.
        worker = subprocess.Popen(
            [sys.executable, "-c", f"import socket,sys\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEPORT,1)\ns.bind(('127.0.0.1',{port}))\ns.listen()\nprint(flush=True)\nsys.stdin.read()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        try:
            worker.stdout.readline()
            found = [component for component in listening.collect(live) if component.ref == f"listen:tcp:127.0.0.1:{port}"]
            assert len(found) == 1
            assert found[0].properties["pid"] == min(os.getpid(), worker.pid)
            assert found[0].properties["shared_with"] == [max(os.getpid(), worker.pid)]
        finally:
            worker.stdin.close()
            worker.wait(timeout=10)

"""`make run` checks its ports before it starts anything."""
import importlib.util
import socket

from tests.conftest import ROOT


def load_run_service():
    spec = importlib.util.spec_from_file_location("run_service", ROOT / "scripts" / "run_service.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run_service = load_run_service()


def test_busy_port_names_the_setting():
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = str(busy.getsockname()[1])

        message = run_service.busy_port_message([("127.0.0.1", port, "DLR_EMULATOR_API_PORT")])

    assert message is not None
    assert f"127.0.0.1:{port}" in message
    assert "Address already in use" in message
    assert "set DLR_EMULATOR_API_PORT to a free port" in message


def test_free_ports_give_no_message():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = str(probe.getsockname()[1])

    assert run_service.busy_port_message([("127.0.0.1", port, "DLR_PORT")]) is None

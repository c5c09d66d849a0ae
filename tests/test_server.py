"""The server process: what it leaves behind."""


def test_metrics_directories_of_killed_servers_are_swept(tmp_path):
    """Issue 27: every kill -9 of `serve --workers 2` left its metrics directory in /tmp."""
    import os
    import subprocess

    from packbill.server import METRICS_PREFIX, sweep_metrics_directories

    gone = subprocess.Popen(["true"])
    gone.wait()
    (tmp_path / f"{METRICS_PREFIX}{gone.pid}-abc").mkdir()
    (tmp_path / f"{METRICS_PREFIX}{os.getpid()}-def").mkdir()
    (tmp_path / "unrelated").mkdir()
    assert sweep_metrics_directories(str(tmp_path)) == [f"{METRICS_PREFIX}{gone.pid}-abc"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{METRICS_PREFIX}{os.getpid()}-def", "unrelated"]


def test_connections_to_a_server_of_several_workers_send_without_delay():
    """`serve --workers N` shares one listening socket. Made without naming its protocol, the
    connections accepted from it had no TCP_NODELAY (asyncio sets it only when the socket says
    IPPROTO_TCP), and every answer waited about 40 ms for the client's delayed acknowledgement.
    This asks the accepted connection itself, as uvicorn's event loop makes it."""
    import asyncio
    import socket
    import threading

    from packbill.server import listening_socket

    sock = listening_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    seen: list[int] = []

    async def main() -> None:
        def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            seen.append(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(connected, sock=sock)
        async with server:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            for _ in range(200):
                if seen:
                    break
                await asyncio.sleep(0.01)
            writer.close()

    # in a thread of its own: a browser test before it may leave an event loop running in this one
    runner = threading.Thread(target=asyncio.run, args=(main(),))
    runner.start()
    runner.join(60)
    assert seen and seen[0] != 0

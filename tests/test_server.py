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

"""The collector pause used by bulk work: it restores what it found, nests, and works across threads."""

import gc
import threading

from packbill.process import gcpause


def test_pause_restores_and_nests():
    assert gc.isenabled()
    with gcpause.paused():
        assert not gc.isenabled()
        with gcpause.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer holder still works
    assert gc.isenabled()


def test_pause_leaves_a_disabled_collector_disabled():
    gc.disable()
    try:
        with gcpause.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_overlapping_threads_enable_it_once_the_last_ends():
    inside, release = threading.Event(), threading.Event()

    def hold():
        with gcpause.paused():
            inside.set()
            release.wait(10)

    worker = threading.Thread(target=hold)
    with gcpause.paused():
        worker.start()
        inside.wait(10)
    assert not gc.isenabled()  # the other thread still holds it
    release.set()
    worker.join(10)
    assert gc.isenabled()


def test_an_error_inside_still_restores():
    try:
        with gcpause.paused():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert gc.isenabled()


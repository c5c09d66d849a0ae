"""Issue 27: sign-ins and bad tokens are limited per address, with a lockout."""

from packbill.services.lockout import Lockout


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_address_is_locked_out_after_the_limit_then_free_again():
    clock = Clock()
    lock = Lockout(limit=3, window=60, lock=300, clock=clock)
    assert not lock.failed("1.2.3.4") and not lock.failed("1.2.3.4")
    assert lock.retry_after("1.2.3.4") is None
    assert lock.failed("1.2.3.4")  # the third failure within a minute locks it
    assert lock.retry_after("1.2.3.4") == 300 and lock.retry_after("5.6.7.8") is None
    clock.now += 299.5
    assert lock.retry_after("1.2.3.4") == 1
    clock.now += 1
    assert lock.retry_after("1.2.3.4") is None


def test_failures_spread_over_more_than_the_window_do_not_lock_and_success_forgets():
    clock = Clock()
    lock = Lockout(limit=3, window=60, lock=300, clock=clock)
    for _ in range(10):
        assert not lock.failed("a")
        clock.now += 31  # at most two within any minute
    lock.failed("b")
    lock.failed("b")
    lock.succeeded("b")
    assert not lock.failed("b")

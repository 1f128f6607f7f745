"""The merge pacer spaces calls so that no minute contains more than the account allows."""
import pytest

from responsys_sync.sync import CallPacer, PacedSession, _is_sync_merge_url


class FakeTime:
    def __init__(self):
        self.now = 100.0

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def send_times(pacer, fake, calls):
    times = []
    for _ in range(calls):
        pacer.wait()
        times.append(fake.now)
    return times


def test_calls_are_spaced_evenly_under_the_limit():
    fake = FakeTime()
    pacer = CallPacer(1000, headroom=0.98, clock=fake.clock, sleep=fake.sleep)

    times = send_times(pacer, fake, 3)

    assert times[0] == 100.0
    assert times[1] - times[0] == pytest.approx(60 / 980)
    assert times[2] - times[1] == pytest.approx(60 / 980)


def test_pacer_window_stays_under_limit():
    fake = FakeTime()
    pacer = CallPacer(100, clock=fake.clock, sleep=fake.sleep)

    times = send_times(pacer, fake, 300)

    busiest = max(sum(1 for t in times if start <= t < start + 60) for start in times)
    assert busiest <= 100
    assert busiest >= 97


def test_pacer_does_not_delay_late_caller():
    fake = FakeTime()
    pacer = CallPacer(60, headroom=1.0, clock=fake.clock, sleep=fake.sleep)
    pacer.wait()

    fake.now += 5
    pacer.wait()

    assert fake.now == 105.0
    assert pacer.waited_seconds == 0


def test_only_synchronous_merge_calls_are_paced():
    assert _is_sync_merge_url("http://h/rest/api/v1.3/folders/F/suppData/T/members")
    assert not _is_sync_merge_url("http://h/rest/asyncApi/v1.3/folders/F/suppData/T/members")
    assert not _is_sync_merge_url("http://h/rest/api/v1.3/folder/F/suppData/T")


def test_paced_session_without_pacer():
    assert PacedSession(None).pacer is None


def test_limit_must_be_positive():
    with pytest.raises(ValueError):
        CallPacer(0)


def test_pacer_catches_up_missed_slots_within_limit():
    fake = FakeTime()
    pacer = CallPacer(1000, headroom=0.98, clock=fake.clock, sleep=fake.sleep)
    pacer.wait()

    fake.now += 2.0
    times = send_times(pacer, fake, 40)

    assert pacer.catch_up == 10
    assert times[:10] == [102.0] * 10
    assert times[11] - times[10] == pytest.approx(60 / 980)


def test_pacer_with_catch_up_stays_under_limit():
    fake = FakeTime()
    pacer = CallPacer(1000, clock=fake.clock, sleep=fake.sleep)
    times = []
    for number in range(3000):
        if number % 100 == 0:
            fake.now += 3.0
        pacer.wait()
        times.append(fake.now)

    busiest = max(sum(1 for t in times[index:index + 1100] if t < start + 60)
                  for index, start in enumerate(times))

    assert busiest <= 1000

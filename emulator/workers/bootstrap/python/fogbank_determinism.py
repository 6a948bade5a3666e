"""Deterministic runs: the service clock and seeded randomness for Python handlers.

On a manual clock (_FOGBANK_DETERMINISTIC), time.time, time.time_ns, time.gmtime / localtime /
ctime / asctime / strftime without a time, datetime.datetime.now / utcnow / today and
datetime.date.today read the service time of the invocation (Fogbank-Service-Time-Ms on /next),
standing still while the handler runs. With a seed (Fogbank-Random-Seed), the random module's
functions and uuid.uuid4 draw from a generator seeded per invocation.

Not pinned: time.monotonic, time.perf_counter, time.sleep (real time), os.urandom, secrets,
random.SystemRandom, uuid.uuid1, and datetime classes that code bound before this ran (the
bootstrap runs it before the handler's module is imported). Standard library only.
"""

import datetime as _datetime
import random as _random
import time as _time
import uuid as _uuid

_real = {
    "time": _time.time,
    "gmtime": _time.gmtime,
    "localtime": _time.localtime,
    "uuid4": _uuid.uuid4,
}
_RealDateTime = _datetime.datetime
_RealDate = _datetime.date

_frozen_ms = None  # service time in epoch milliseconds, or None for the real clock
_seeded = False


def _now():
    return _frozen_ms / 1000.0 if _frozen_ms is not None else _real["time"]()


class _DateTimeType(type):
    # Every datetime, ours or one made by C code, is an instance of the replacement.
    def __instancecheck__(cls, obj):
        return isinstance(obj, _RealDateTime)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, _RealDateTime)


class _DateType(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, _RealDate)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, _RealDate)


class _FrozenDateTime(_RealDateTime, metaclass=_DateTimeType):
    @classmethod
    def now(cls, tz=None):
        return cls.fromtimestamp(_now(), tz)

    @classmethod
    def utcnow(cls):
        return cls.fromtimestamp(_now(), _datetime.timezone.utc).replace(tzinfo=None)

    @classmethod
    def today(cls):
        return cls.fromtimestamp(_now())


class _FrozenDate(_RealDate, metaclass=_DateType):
    @classmethod
    def today(cls):
        return cls.fromtimestamp(_now())


# Pickled instances name datetime.datetime and datetime.date, and repr() reads
# "datetime.datetime(...)", as for real ones.
for _cls, _name in ((_FrozenDateTime, "datetime"), (_FrozenDate, "date")):
    _cls.__module__ = "datetime"
    _cls.__name__ = "datetime." + _name
    _cls.__qualname__ = _name


def _pin_clock():
    real_time_ns = _time.time_ns

    def time_ns():
        return _frozen_ms * 1_000_000 if _frozen_ms is not None else real_time_ns()

    def gmtime(secs=None):
        return _real["gmtime"](_now() if secs is None else secs)

    def localtime(secs=None):
        return _real["localtime"](_now() if secs is None else secs)

    real_ctime, real_asctime, real_strftime = _time.ctime, _time.asctime, _time.strftime

    def ctime(secs=None):
        return real_ctime(_now() if secs is None else secs)

    def asctime(t=None):
        return real_asctime(localtime() if t is None else t)

    def strftime(format, t=None):
        return real_strftime(format, localtime() if t is None else t)

    _time.time = _now
    _time.time_ns = time_ns
    _time.gmtime = gmtime
    _time.localtime = localtime
    _time.ctime = ctime
    _time.asctime = asctime
    _time.strftime = strftime
    _datetime.datetime = _FrozenDateTime
    _datetime.date = _FrozenDate


def _uuid4():
    if not _seeded:
        return _real["uuid4"]()
    return _uuid.UUID(int=_random.getrandbits(128), version=4)


_clock_pinned = False
_random_patched = False


def install(deterministic, init_time_ms, init_seed):
    """At start-up, before the handler's module is imported."""
    global _clock_pinned, _random_patched
    if deterministic:
        _clock_pinned = True
        _pin_clock()
    if deterministic or init_seed is not None:
        _random_patched = True
        _uuid.uuid4 = _uuid4
    on_invocation(init_time_ms, init_seed)


def on_invocation(service_time_ms, seed):
    """With each invocation's /next headers (strings, or None when absent)."""
    global _frozen_ms, _seeded
    if _clock_pinned and service_time_ms is not None:
        _frozen_ms = int(service_time_ms)
    if _random_patched:
        _seeded = seed is not None
        # Without a seed, back to the system's randomness.
        _random.seed(int(seed) if seed is not None else None)

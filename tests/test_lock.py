"""The machine's lock (module_utils/lock.py): one run at a time, a stale lock taken over."""
import json

from ansible_collections.tcplab.lab.plugins.module_utils import lock

RUN = {"lab_id": "kelas", "run_id": "r1", "controller": "pc", "pid": 100, "live": [100]}


def test_a_second_run_is_refused_until_the_first_gives_the_lock_back(tmp_path):
    assert lock.take(str(tmp_path), RUN) is None
    assert lock.take(str(tmp_path), RUN) is None  # the run's own lock, taken again
    other = {**RUN, "run_id": "r2", "pid": 200, "live": [100, 200]}
    assert lock.take(str(tmp_path), other) == {"lab_id": "kelas", "run_id": "r1", "controller": "pc", "pid": 100}
    assert not lock.release(str(tmp_path), "kelas", "r2")
    assert lock.release(str(tmp_path), "kelas", "r1")
    assert lock.take(str(tmp_path), other) is None


def test_a_lock_whose_run_is_gone_from_this_controller_is_taken_over_another_controllers_is_not(tmp_path):
    (tmp_path / lock.LOCK).write_text(json.dumps({**RUN, "pid": 99}))
    assert lock.take(str(tmp_path), RUN) is None
    assert json.loads((tmp_path / lock.LOCK).read_text())["pid"] == 100
    (tmp_path / lock.LOCK).write_text(json.dumps({**RUN, "controller": "laptop", "pid": 99}))
    assert lock.take(str(tmp_path), RUN)["controller"] == "laptop"
    assert lock.release(str(tmp_path), "kelas")  # make clean: the lab's lock, whatever run

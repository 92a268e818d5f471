"""The plan step as Ansible runs it: settings from the inventory and the command line, messages raw.

Runs the collection's playbook tcplab.lab.plan for real (no Docker needed: planning touches no machine) and reads the
plan the role published.
"""
import json
import re
from pathlib import Path

from lab_playbook import ansible_playbook

ROOT = Path(__file__).resolve().parent.parent


def published_plan(tmp_path, *args, variables=None):
    """Run the plan play, then write the published plan to a file; (result, plan or None)."""
    out = tmp_path / "plan.json"
    out.unlink(missing_ok=True)  # what an earlier call published
    playbook = tmp_path / "probe.yml"
    playbook.write_text(
        f"- ansible.builtin.import_playbook: tcplab.lab.plan\n"
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.copy:\n        content: \"{{ lab_plan | to_json }}\"\n"
        f"        dest: {out}\n        mode: '0644'\n")
    result = ansible_playbook(str(playbook), *args, inventory="inventory/docker",
                              variables={"lab_captures_dir": str(tmp_path / "captures"), **(variables or {})})
    return result, (json.loads(out.read_text()) if out.exists() else None)


def test_messages_that_look_like_templates_stay_literal_and_run_nothing(tmp_path):
    marker = tmp_path / "templated"
    odd = ["{{ 7*7 }}", "{{ lookup('ansible.builtin.pipe', 'touch " + str(marker) + "') }}"]
    result, plan = published_plan(tmp_path, variables={"lab_messages": {"reqresp": odd}})
    assert result.returncode == 0, result.stdout[-3000:]
    assert [p["messages"]["reqresp"] for p in plan["pairs"]] == [odd, odd]
    assert not marker.exists()


def test_a_class_size_given_as_key_value_on_the_command_line_is_a_number(tmp_path):
    result, plan = published_plan(tmp_path, "-e", "lab_class_size=30")
    assert result.returncode == 0, result.stdout[-3000:]
    assert len(plan["pairs"]) == 30 and plan["pairs"][-1]["network"]["bridge"] == "tcplab-030"


def test_a_bad_setting_fails_the_plan_with_one_line(tmp_path):
    result, plan = published_plan(tmp_path, "-e", "lab_class_size=thirty")
    assert result.returncode != 0 and plan is None
    assert "lab_class_size 'thirty': give 1 to 250 pairs, or list them in lab_roster." in result.stdout


def test_latest_names_the_run_captures_latest_points_at(tmp_path):
    (tmp_path / "captures" / "20261122T000000Z").mkdir(parents=True)
    (tmp_path / "captures" / "latest").symlink_to("20261122T000000Z")
    result, plan = published_plan(tmp_path, "-e", "lab_run_id=latest")
    assert result.returncode == 0, result.stdout[-3000:]
    assert plan["run_id"] == "20261122T000000Z"


def test_the_report_language_is_one_the_analyzer_has(tmp_path):
    result, plan = published_plan(tmp_path, "-e", "lab_report_language=id")
    assert result.returncode == 0 and plan["report_language"] == "id"
    result, plan = published_plan(tmp_path, "-e", "lab_report_language=fr")
    assert plan is None and "lab_report_language 'fr': the report speaks ['en', 'id']" in result.stdout


def test_a_run_id_of_another_class_is_refused_and_its_plan_stays(tmp_path):
    result, _ = published_plan(tmp_path, "-e", "lab_run_id=vmrun")
    assert result.returncode == 0, result.stdout[-3000:]
    plan_file = tmp_path / "captures" / "vmrun" / "plan.json"
    before = plan_file.read_text()
    result, plan = published_plan(tmp_path, "-e", "lab_run_id=vmrun", "-e", "lab_id=otherlab")
    assert plan is None and result.returncode != 0
    assert ("Run vmrun is of lab 'tcplab', this one is lab 'otherlab' (another inventory?): leave lab_run_id "
            "empty for a new run (or give a new run id).") in " ".join(result.stdout.split())
    assert plan_file.read_text() == before


def test_the_hand_out_is_a_step_of_its_own_after_the_plan_and_check_mode_writes_nothing(tmp_path):
    result, _ = published_plan(tmp_path, "--check", "-e", "lab_run_id=sheets")
    assert result.returncode == 0, result.stdout[-3000:]
    assert re.search(r"^ok: \[localhost\]", result.stdout.split("Write each pair's hand-out]")[1], re.MULTILINE)
    assert not (tmp_path / "captures" / "sheets").exists()
    result, plan = published_plan(tmp_path, "-e", "lab_run_id=sheets", "-v")
    assert result.returncode == 0, result.stdout[-3000:]
    tasks = re.findall(r"^TASK \[(?:[\w.]+ : )?(.+?)\]", result.stdout, re.MULTILINE)
    assert tasks.index("Write each pair's hand-out") == tasks.index("Publish the plan") + 1
    assert re.search(r"^changed: \[localhost\]", result.stdout.split("Write each pair's hand-out]")[1],
                     re.MULTILINE)
    handout = tmp_path / "captures" / "sheets" / "handout"
    assert sorted(path.name for path in handout.iterdir()) == ["index.html", "p01.md", "p02.md"]
    assert plan["pairs"][0]["network"]["bridge"] in (handout / "p01.md").read_text()
    # Nothing new to write under the same run id: unchanged; --skip-tags lab_handout leaves it out.
    result, _ = published_plan(tmp_path, "-e", "lab_run_id=sheets")
    assert re.search(r"^ok: \[localhost\]", result.stdout.split("Write each pair's hand-out]")[1], re.MULTILINE)
    (handout / "p01.md").unlink()
    result, _ = published_plan(tmp_path, "-e", "lab_run_id=sheets", "--skip-tags", "lab_handout")
    assert result.returncode == 0 and "Write each pair's hand-out" not in result.stdout
    assert not (handout / "p01.md").exists()

# tcplab: `make lab` runs the class on the local Docker engine, `make test` runs every test.
# Both do their own set-up: Debian packages, the virtualenv with the pinned Python packages,
# and (inside the playbook) the lab image.

SHELL := /bin/bash
# The Python to run on: python3 by default, or PYTHON=python3.13, or PYTHON=/path/to/python3. A
# name is the command of that name when it runs; else, for pythonX.Y, pyenv's newest X.Y.z
# ($(pyenv root)/versions/X.Y.z/bin/python3). The interpreter python3 names gets .venv, any other
# a virtualenv of its own, .venv-X.Y; each installs requirements/pythonX.Y.txt.
PYTHON ?= python3
SUPPORTED_PYTHONS := 3.11 3.12 3.13
# Prints "<interpreter's real path> <X.Y>" for the Python that $(1) names, nothing if none runs.
define find_python
p=$(1); c=; case $$p in */*) c=$$p ;; \
  *) if $$p -c '' 2>/dev/null; then c=$$p; \
     elif v=$${p#python} && [ "$$v" != "$$p" ] && r=$$(pyenv root 2>/dev/null); then \
       c=$$(ls -d "$$r"/versions/$$v.*/bin/python3 2>/dev/null | grep -E '/[0-9]+\.[0-9]+\.[0-9]+/bin/' \
         | sort -V | tail -n 1); fi ;; esac; \
[ -z "$$c" ] || "$$c" -c 'import os, sys; print(os.path.realpath(sys.executable), "%d.%d" % sys.version_info[:2])' \
  2>/dev/null
endef
PYTHON_FOUND := $(shell $(call find_python,$(PYTHON)))
PYTHON_EXE := $(word 1,$(PYTHON_FOUND))
PYTHON_VERSION := $(word 2,$(PYTHON_FOUND))
DEFAULT_EXE := $(if $(filter python3,$(PYTHON)),$(PYTHON_EXE),$(word 1,$(shell $(call find_python,python3))))
VENV := $(if $(filter $(DEFAULT_EXE),$(PYTHON_EXE)),.venv,.venv-$(PYTHON_VERSION))
REQUIREMENTS := $(if $(PYTHON_EXE),requirements/python$(PYTHON_VERSION).txt,.no-python)
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# tcpdump captures, mmdebstrap builds the image offline, rsvg-convert (librsvg2-bin) draws the
# ladders as PNG with the DejaVu fonts; tshark (and its editcap), chromium, poppler-utils, sudo
# and patchelf (a test runs the lab as a sudo user, on a copy of the suite's Python when that user
# cannot reach it), Podman with its network stack and init (a test runs the lab on a Podman service
# of its own) and nftables (tests lose a segment between namespaces) serve tests only.
LAB_DEBS := tcpdump mmdebstrap iproute2 librsvg2-bin fonts-dejavu-core
TEST_DEBS := tshark chromium poppler-utils sudo patchelf podman netavark aardvark-dns catatonit nftables
# valgrind counts the instructions of make bench-grade's scaling figures.
BENCH_DEBS := valgrind
# Real VMs (make vm-lab, a test): QEMU boots them, debvm builds their image offline from the host's
# apt sources, debugfs takes the kernel out of it.
VM_DEBS := qemu-system-x86 debvm e2fsprogs openssh-client iptables
ANSIBLE_ENV := ANSIBLE_CONFIG=$(CURDIR)/ansible.cfg PATH=$(CURDIR)/$(BIN):$$PATH
# The lab to run: the local Docker engine, or your copy of inventory/ssh-example.
INVENTORY ?= inventory/docker
PLAYBOOK := $(ANSIBLE_ENV) $(BIN)/ansible-playbook -i inventory/common -i $(INVENTORY)

.PHONY: help lab test clean report grade watch lint pytest molecule collection bench bench-class bench-grade bench-fuzz bench-logins \
	vm-lab vm-clean bench-vm requirements setup setup-test \
	.debs-lab .debs-test .debs-bench .debs-vm .debs-venv .debs-python3-venv .no-python

# The targets, one line each: the text after "##" on each target's line.
help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /\1\t/' | expand -t 14

# make lab shows the class view (the plan, a line per phase, this run's summary); V=1 shows
# Ansible's own output instead. Either way the run's whole log is in its folder (ansible.log).
V ?= 0
CLASS_VIEW := $(if $(filter 0,$(V)),ANSIBLE_STDOUT_CALLBACK=tcplab.lab.class_view)
# The class view's retry hint is this make command again, as given: the inventory, the Python, ARGS.
lab: export TCPLAB_MAKE_INVENTORY = $(if $(filter-out inventory/docker,$(INVENTORY)),$(INVENTORY))
lab: export TCPLAB_MAKE_PYTHON = $(if $(filter-out default,$(origin PYTHON)),$(PYTHON))
lab: export TCPLAB_MAKE_ARGS = $(ARGS)
lab: setup  ## run the lab for the class on the local Docker engine (V=1: Ansible's whole output; ARGS="...")
	@$(CLASS_VIEW) $(PLAYBOOK) lab.yml $(ARGS)

test: setup setup-test lint pytest molecule  ## run every test: lint, pytest, molecule

lint: setup  ## yamllint and ansible-lint (production profile)
	$(BIN)/yamllint --strict .
	$(ANSIBLE_ENV) $(BIN)/ansible-lint --strict

pytest: setup  ## the pytest suites (programs, analyzer, plan, the lab on Docker and over SSH)
	$(BIN)/python -m pytest -q tests

molecule: setup  ## molecule test, scenarios default (Docker) and ssh
	$(ANSIBLE_ENV) $(BIN)/molecule test --all

bench: setup  ## how fast the report is written for 64 captures
	$(BIN)/python bench/bench_report.py

# Classes of 8 to 64 pairs end to end on the local Docker engine against a bare docker-CLI script
# doing the same work (minutes; a lab of its own). ARGS="--sizes 8 32" for fewer.
bench-class: setup  ## classes of 8 to 64 pairs against a bare docker-CLI script (ARGS="--sizes 8 32")
	PYTHONPATH=tests $(BIN)/python bench/bench_class.py $(ARGS)

# A class of 40 pairs' hand-ins (the platform's zip, pcapng with thousands of packets of other
# traffic each) graded, against tshark reading the same files; ARGS="--pairs 10" for fewer.
bench-grade: setup setup-test .debs-bench  ## grading a class of 40 pairs' hand-ins, against tshark (ARGS="--pairs 10")
	PYTHONPATH=collections $(BIN)/python bench/bench_grade.py $(ARGS)

# The VM image built, two VMs booted, their memory, a 2-pair class on them and the same class on
# Docker in the same run (minutes; needs root). ARGS=--reuse-image boots make vm-lab's image.
bench-vm: setup .debs-vm  ## real VMs: image build, boot, memory, a 2-pair class against Docker (ARGS=--reuse-image)
	PYTHONPATH=tests $(BIN)/python bench/bench_vms.py $(ARGS)

# The logins of a class of 40 pairs on one lab machine over SSH, against a bare shell loop (root).
bench-logins: setup setup-test  ## students' logins: 40 made, made again, rotated, removed, against a shell loop
	PYTHONPATH=tests $(BIN)/python bench/bench_logins.py $(ARGS)

# Many more damaged captures than make test's fuzz test, with a new seed each run (ARGS="--cases N --seed S").
bench-fuzz: setup  ## mutation fuzzing of the capture reader, analyzer and grader (ARGS="--cases 100000")
	PYTHONPATH=tests:collections $(BIN)/python tests/fuzz_captures.py $(ARGS)

# Report on any folder of captures: a run folder, or pcaps a student took by hand; without DIR the
# latest run. make report [DIR=path/to/folder] [LANG=id]. (LANG counts only when given here: the
# LANG of your environment is your locale, not the report's language.)
REPORT_LANGUAGE := $(if $(filter command line,$(origin LANG)),--language $(LANG))
report: setup  ## report on a folder of captures: [DIR=captures/<run-id>] [LANG=id]
	$(BIN)/tcplab report $(if $(DIR),"$(DIR)") $(REPORT_LANGUAGE)

# Removes exactly the pairs' logins, containers and networks this lab made; captures/ stays.
clean: setup  ## remove exactly the lab's logins, containers and networks (captures/ stays)
	$(PLAYBOOK) tcplab.lab.teardown $(ARGS)

# The VM path on this one machine: PAIRS Debian VMs (default 2; QEMU, KVM where a guest boots, else
# software emulation) on a bridge of this machine, then the class over SSH, captured on the bridge.
# They keep running (for make watch INVENTORY=vm-lab/inventory, or another make vm-lab) until
# make vm-clean stops exactly them and removes their taps, bridge and firewall rule. Needs root.
PAIRS ?= 2
vm-lab: setup .debs-vm  ## run the class on PAIRS real VMs booted here (default 2; README, "Trying it on VMs")
	$(BIN)/tcplab vm up --vms $(PAIRS) --folder vm-lab
	@$(MAKE) --no-print-directory lab INVENTORY=vm-lab/inventory

vm-clean: setup  ## stop make vm-lab's VMs; remove their taps, bridge and firewall rule
	$(BIN)/tcplab vm down --folder vm-lab

# The collection tcplab.lab as an artifact others install (ansible-galaxy collection install
# dist/tcplab-lab-<version>.tar.gz); their controller needs this project's Python package too
# (pip install <this folder>). README, "Use it from your own playbooks".
COLLECTION := collections/ansible_collections/tcplab/lab
collection: setup  ## build the collection tcplab.lab into dist/tcplab-lab-<version>.tar.gz
	$(ANSIBLE_ENV) $(BIN)/ansible-galaxy collection build --force --output-path dist $(COLLECTION)

setup: .debs-lab .debs-venv $(VENV)/.installed  ## install what the lab needs (Debian packages, .venv)

setup-test: .debs-test .debs-vm  ## install what the tests need besides

$(VENV)/.installed: $(REQUIREMENTS) pyproject.toml
	$(PYTHON_EXE) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r $(REQUIREMENTS)
	$(BIN)/pip install -q --no-deps -e .
	touch $@

# A Python that is not there, or whose version has no pinned set, stops make with one line.
.no-python:
	@echo "error: PYTHON=$(PYTHON) is no Python that runs here (a command, a path, or pythonX.Y in" \
	  "pyenv): give one, e.g. PYTHON=python3.13 or PYTHON=/usr/bin/python3" >&2; exit 2
requirements/python%.txt:
	@echo "error: Python $* has no pinned packages (requirements/python$*.txt); the lab runs on Python" \
	  "$(SUPPORTED_PYTHONS): give one of those as PYTHON" >&2; exit 2

# Students' own captures, graded against a run's plan (their hand-outs are in captures/<id>/handout):
# a folder, or the course platform's zip as downloaded. The report goes beside it (<name>-graded/).
grade: setup  ## grade captures students took by hand: DIR=submissions.zip|folder [PLAN=captures/<id>/plan.json] [OUT=dir] [LANG=id]
	@[ -n "$(DIR)" ] || { echo "error: give the hand-ins, a folder or the platform's zip: make grade DIR=submissions.zip" >&2; exit 2; }
	$(BIN)/tcplab grade "$(DIR)" $(if $(PLAN),--plan "$(PLAN)") $(if $(OUT),--out "$(OUT)") $(REPORT_LANGUAGE)

# Streams a pair's traffic live from its capture point into Wireshark (with a display) or tshark.
watch: setup  ## watch a pair's traffic live: PAIR=p01 [SCENARIO=upcall] [PLAN=captures/<run-id>/plan.json]
	@[ -n "$(PAIR)" ] || { echo "error: say which pair: make watch PAIR=p01 [SCENARIO=upcall]" >&2; exit 2; }
	@$(ANSIBLE_ENV) $(BIN)/tcplab watch "$(PAIR)" $(if $(SCENARIO),--scenario "$(SCENARIO)") \
	  $(if $(PLAN),--plan "$(PLAN)") -i inventory/common -i $(INVENTORY)

# Pins requirements.in afresh (the newest versions that fit) for each supported Python found (as
# PYTHON=pythonX.Y is found) into requirements/pythonX.Y.txt; a Python not found is skipped, said.
requirements: .debs-venv  ## rewrite requirements/pythonX.Y.txt from requirements.in (then run make test)
	@for version in $(SUPPORTED_PYTHONS); do \
	  found=$$($(call find_python,python$$version)); \
	  if [ -z "$$found" ]; then echo "Python $$version: skipped, no python$$version (on PATH or in pyenv)"; continue; fi; \
	  echo "Python $$version: pinning with $${found% *}"; \
	  rm -rf .cache/requirements && $${found% *} -m venv .cache/requirements \
	  && .cache/requirements/bin/pip install -q --upgrade pip \
	  && .cache/requirements/bin/pip install -q -r requirements.in \
	  && { echo "# Pinned from requirements.in with Python $$version (pip freeze). Regenerate: make requirements."; \
	       .cache/requirements/bin/pip freeze --exclude pip; } > requirements/python$$version.txt.tmp \
	  && mv requirements/python$$version.txt.tmp requirements/python$$version.txt || exit 1; \
	done
	@rm -rf .cache/requirements
	@echo "requirements/ rewritten; check the changes (git diff requirements) and run make test."

# Installs the Debian packages of a list that are missing, without their recommendations. An
# install that fails halfway (a mirror hiccup, dpkg losing its unpack folder) is tried once more;
# whatever is still missing afterwards stops make with one line naming it.
define install_debs
	@missing() { for p in $$*; do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' \
	  || echo $$p; done; }; \
	wanted=$$(missing $(1)); \
	if [ -n "$$wanted" ]; then \
	  echo "Installing Debian packages:" $$wanted; \
	  for attempt in 1 2; do \
	    $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq --no-install-recommends $$wanted && break; \
	    [ $$attempt = 2 ] || echo "Installing failed; trying once more."; \
	  done; \
	  still=$$(missing $$wanted); \
	  if [ -n "$$still" ]; then \
	    echo "error: could not install the Debian packages" $$still "(apt-get says why above); install" \
	      "them with apt-get and run make again" >&2; exit 1; \
	  fi; \
	fi
endef

.debs-lab:
	$(call install_debs,$(LAB_DEBS))

.debs-test:
	$(call install_debs,$(TEST_DEBS))

.debs-bench:
	$(call install_debs,$(BENCH_DEBS))

.debs-vm:
	$(call install_debs,$(VM_DEBS))

# A fresh Debian or Ubuntu has python3 without venv's pip bootstrap: that is python3-venv.
.debs-venv:
	@$(or $(PYTHON_EXE),python3) -c 'import ensurepip' 2>/dev/null || $(MAKE) --no-print-directory .debs-python3-venv

.debs-python3-venv:
	$(call install_debs,python3-venv)
